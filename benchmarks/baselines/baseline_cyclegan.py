#!/usr/bin/env python3
"""Bare-PyTorch CycleGAN baseline: the reference networks and training loop in one file.

Written from junyanz/pytorch-CycleGAN-and-pix2pix (``models/networks.py``,
``models/cycle_gan_model.py``, ``util/image_pool.py``, ``data/unaligned_dataset.py``) with its
CycleGAN defaults:
  * generators G_A (A->B) and G_B (B->A): ``ResnetGenerator`` with instance norm (affine=False,
    no running stats), no dropout, reflection padding: ReflectionPad(3) + 7x7 conv to ngf, two
    stride-2 3x3 convs (ngf*2, ngf*4), ``n_blocks`` residual blocks (pad 1, 3x3, norm, ReLU,
    pad 1, 3x3, norm; added to the input), two stride-2 3x3 transposed convs (output_padding 1)
    back to ngf, ReflectionPad(3) + 7x7 conv to the output channels, tanh. Convolutions carry a
    bias (instance norm), so 9 blocks at ngf 64, 3->3, have 11,378,179 parameters.
  * discriminators D_A (judges domain B) and D_B (judges A): 70x70 ``NLayerDiscriminator`` with
    instance norm: 4x4 convs ndf(s2, no norm) 2ndf(s2) 4ndf(s2) 8ndf(s1) 1(s1), LeakyReLU(0.2),
    raw outputs; 2,764,737 parameters for 3 input channels.
  * init N(0, 0.02) for conv weights, zero biases (``init_type='normal'``).
  * losses: LSGAN (``MSELoss`` against 1 for real, 0 for fake); cycle L1 * lambda (10) in both
    directions; identity L1 * lambda * 0.5 in both; D loss (real + fake) * 0.5.
  * optimisers: Adam(2e-4, betas (0.5, 0.999)), one over ``chain(G_A, G_B)``, one over
    ``chain(D_A, D_B)``; learning rate constant, then linear decay (``lambda_rule``, in steps here).
  * fake pools of 50 images per direction (``ImagePool``: once full, with p = 0.5 return a
    stored image and store the new one).
  * one iteration (``optimize_parameters``): fake_B = G_A(A), rec_A = G_B(fake_B),
    fake_A = G_B(B), rec_B = G_A(fake_A); G step with both Ds frozen (identity, GAN and cycle
    terms); then D_A on (B, pool(fake_B)) and D_B on (A, pool(fake_A)), one D step.
  * data (``--data-a/--data-b``, ``unaligned_dataset``): an epoch has max(|A|, |B|) items in
    shuffled order; item i takes A[i mod |A|] and a B image drawn with ``random.randint``; both
    are resized to ``--load-size`` (bicubic, skipped when already that size), randomly cropped to
    ``--size`` and flipped, each independently; the timed iteration includes this preparation.
    Without data, one fixed random batch is reused (throughput mode, like the pix2pix and DCGAN
    baselines).

Prints exactly one JSON line on stdout. ``--save DIR`` writes ``G_A.safetensors`` and
``G_B.safetensors`` (needs the safetensors package); folder data needs Pillow.

Examples:
  python baseline_cyclegan.py --size 256 --iters 10 --warmup 2
  python baseline_cyclegan.py --data-a trainA --data-b trainB --size 32 --load-size 36 \\
      --ngf 32 --ndf 32 --n-blocks 6 --iters 2000 --decay-start 1000 --save out/
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn


# --------------------------------------------------------------------------- networks
def _instance_norm(channels: int) -> nn.InstanceNorm2d:
    return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)


class ResnetBlock(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, padding=0, bias=True), _instance_norm(dim), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, padding=0, bias=True), _instance_norm(dim),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    def __init__(self, input_nc: int = 3, output_nc: int = 3, ngf: int = 64, n_blocks: int = 9):
        super().__init__()
        model = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, padding=0, bias=True), _instance_norm(ngf),
                 nn.ReLU(True)]
        for i in range(2):
            mult = 2 ** i
            model += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1, bias=True),
                      _instance_norm(ngf * mult * 2), nn.ReLU(True)]
        model += [ResnetBlock(ngf * 4) for _ in range(n_blocks)]
        for i in range(2):
            mult = 2 ** (2 - i)
            model += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, stride=2, padding=1, output_padding=1,
                                         bias=True),
                      _instance_norm(ngf * mult // 2), nn.ReLU(True)]
        model += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7, padding=0), nn.Tanh()]
        self.model = nn.Sequential(*model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class NLayerDiscriminator(nn.Module):
    def __init__(self, input_nc: int = 3, ndf: int = 64, n_layers: int = 3):
        super().__init__()
        sequence = [nn.Conv2d(input_nc, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers + 1):
            prev, mult = mult, min(2 ** n, 8)
            stride = 2 if n < n_layers else 1
            sequence += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=stride, padding=1, bias=True),
                         _instance_norm(ndf * mult), nn.LeakyReLU(0.2, True)]
        sequence += [nn.Conv2d(ndf * mult, 1, 4, stride=1, padding=1)]
        self.model = nn.Sequential(*sequence)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def init_weights(model: nn.Module, std: float = 0.02) -> None:
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


class ImagePool:
    """The reference's history buffer (python ``random``)."""

    def __init__(self, pool_size: int):
        self.pool_size = pool_size
        self.images: list[torch.Tensor] = []

    def query(self, images: torch.Tensor) -> torch.Tensor:
        if self.pool_size == 0:
            return images
        out = []
        for image in images.detach():
            image = image.unsqueeze(0)
            if len(self.images) < self.pool_size:
                self.images.append(image)
                out.append(image)
            elif random.uniform(0, 1) > 0.5:
                index = random.randint(0, self.pool_size - 1)
                out.append(self.images[index].clone())
                self.images[index] = image
            else:
                out.append(image)
        return torch.cat(out, 0)


# --------------------------------------------------------------------------- data
class Unaligned:
    """``unaligned_dataset`` over two folders, images pre-resized once to the load size."""

    def __init__(self, folder_a: str, folder_b: str, load_size: int, crop_size: int, seed: int):
        self.a = self._load(folder_a, load_size)
        self.b = self._load(folder_b, load_size)
        self.crop = crop_size
        self.length = max(len(self.a), len(self.b))
        self.generator = torch.Generator().manual_seed(seed)
        self.order: list[int] = []

    @staticmethod
    def _load(folder: str, load_size: int) -> list[torch.Tensor]:
        from PIL import Image

        suffixes = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}
        files = sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in suffixes)
        if not files:
            raise SystemExit(f"no images in {folder}")
        images = []
        for path in files:
            image = Image.open(path)
            image = image.convert("L" if image.mode in ("L", "I;16", "I") else "RGB")
            if image.size != (load_size, load_size):
                image = image.resize((load_size, load_size), Image.BICUBIC)
            data = torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8)
            tensor = data.view(image.size[1], image.size[0], len(image.getbands())).permute(2, 0, 1)
            images.append(tensor.float() / 127.5 - 1.0)
        return images

    def _jitter(self, image: torch.Tensor) -> torch.Tensor:
        size = image.shape[-1]
        top, left = random.randint(0, size - self.crop), random.randint(0, size - self.crop)
        image = image[:, top:top + self.crop, left:left + self.crop]
        return image.flip(-1) if random.random() > 0.5 else image

    def batch(self, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        items_a, items_b = [], []
        for _ in range(batch_size):
            if not self.order:
                self.order = torch.randperm(self.length, generator=self.generator).tolist()
            index = self.order.pop()
            items_a.append(self._jitter(self.a[index % len(self.a)]))
            items_b.append(self._jitter(self.b[random.randint(0, len(self.b) - 1)]))
        return torch.stack(items_a), torch.stack(items_b)


# --------------------------------------------------------------------------- training
class CycleGANTrainer:
    def __init__(self, args: argparse.Namespace, channels_a: int, channels_b: int):
        torch.manual_seed(args.seed)
        random.seed(args.seed)
        self.G_A = ResnetGenerator(channels_a, channels_b, args.ngf, args.n_blocks)
        self.G_B = ResnetGenerator(channels_b, channels_a, args.ngf, args.n_blocks)
        self.D_A = NLayerDiscriminator(channels_b, args.ndf)
        self.D_B = NLayerDiscriminator(channels_a, args.ndf)
        for net in (self.G_A, self.G_B, self.D_A, self.D_B):
            init_weights(net)
            net.train()
        self.params = {"params_G_A": count_params(self.G_A), "params_D_A": count_params(self.D_A)}
        adam = dict(lr=args.lr, betas=(0.5, 0.999))
        self.opt_G = torch.optim.Adam(itertools.chain(self.G_A.parameters(), self.G_B.parameters()), **adam)
        self.opt_D = torch.optim.Adam(itertools.chain(self.D_A.parameters(), self.D_B.parameters()), **adam)
        self.pool_A, self.pool_B = ImagePool(args.pool_size), ImagePool(args.pool_size)
        self.lambda_cycle, self.lambda_idt = args.lambda_cycle, args.lambda_identity
        self.lr, self.iters, self.decay_start = args.lr, args.iters + args.warmup, args.decay_start
        self.iteration = 0
        self.losses: dict[str, torch.Tensor] = {}

    @staticmethod
    def _gan(prediction: torch.Tensor, real: bool) -> torch.Tensor:
        return F.mse_loss(prediction, torch.full_like(prediction, 1.0 if real else 0.0))

    def _set_D_trainable(self, flag: bool) -> None:
        for net in (self.D_A, self.D_B):
            for p in net.parameters():
                p.requires_grad_(flag)

    def _apply_lr(self) -> None:
        if self.decay_start is None:
            return
        decay = max(self.iters - self.decay_start, 1)
        factor = 1.0 - max(0, self.iteration + 1 - self.decay_start) / (decay + 1)
        for optimizer in (self.opt_G, self.opt_D):
            for group in optimizer.param_groups:
                group["lr"] = self.lr * factor

    def step(self, real_A: torch.Tensor, real_B: torch.Tensor) -> None:
        self._apply_lr()
        fake_B = self.G_A(real_A)
        rec_A = self.G_B(fake_B)
        fake_A = self.G_B(real_B)
        rec_B = self.G_A(fake_A)
        # --- generators, both discriminators frozen
        self._set_D_trainable(False)
        self.opt_G.zero_grad()
        lam, idt = self.lambda_cycle, self.lambda_idt
        loss_idt_A = F.l1_loss(self.G_A(real_B), real_B) * lam * idt if idt > 0 else torch.zeros(())
        loss_idt_B = F.l1_loss(self.G_B(real_A), real_A) * lam * idt if idt > 0 else torch.zeros(())
        loss_G_A = self._gan(self.D_A(fake_B), True)
        loss_G_B = self._gan(self.D_B(fake_A), True)
        loss_cycle_A = F.l1_loss(rec_A, real_A) * lam
        loss_cycle_B = F.l1_loss(rec_B, real_B) * lam
        loss_G = loss_G_A + loss_G_B + loss_cycle_A + loss_cycle_B + loss_idt_A + loss_idt_B
        loss_G.backward()
        self.opt_G.step()
        # --- discriminators, on pooled fakes
        self._set_D_trainable(True)
        self.opt_D.zero_grad()
        pooled_B = self.pool_B.query(fake_B)
        loss_D_A = (self._gan(self.D_A(real_B), True) + self._gan(self.D_A(pooled_B.detach()), False)) * 0.5
        loss_D_A.backward()
        pooled_A = self.pool_A.query(fake_A)
        loss_D_B = (self._gan(self.D_B(real_A), True) + self._gan(self.D_B(pooled_A.detach()), False)) * 0.5
        loss_D_B.backward()
        self.opt_D.step()
        self.iteration += 1
        self.losses = {"D_A": loss_D_A.detach(), "G_A": loss_G_A.detach(), "cycle_A": loss_cycle_A.detach(),
                       "idt_A": loss_idt_A.detach(), "D_B": loss_D_B.detach(), "G_B": loss_G_B.detach(),
                       "cycle_B": loss_cycle_B.detach(), "idt_B": loss_idt_B.detach()}

    def save(self, folder: str) -> None:
        from safetensors.torch import save_file

        os.makedirs(folder, exist_ok=True)
        for name, net in (("G_A", self.G_A), ("G_B", self.G_B)):
            save_file({k: v.contiguous() for k, v in net.state_dict().items()}, os.path.join(folder, f"{name}.safetensors"))


# --------------------------------------------------------------------------- timing
def summarise(times: list[float], batch_size: int) -> dict:
    med = statistics.median(times)
    return {
        "it_s_median": 1.0 / med,
        "it_s_mean_wall": len(times) / sum(times),
        "img_s_median": batch_size / med,
        "sec_per_it_median": med,
        "sec_per_it_all": [round(t, 5) for t in times],
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", type=int, default=256, help="crop size the networks see")
    p.add_argument("--load-size", type=int, default=None, help="folder data: resize to this before cropping")
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--channels", type=int, default=3, help="synthetic data: channels of both domains")
    p.add_argument("--ngf", type=int, default=64)
    p.add_argument("--ndf", type=int, default=64)
    p.add_argument("--n-blocks", type=int, default=9)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--pool-size", type=int, default=50)
    p.add_argument("--lambda-cycle", type=float, default=10.0)
    p.add_argument("--lambda-identity", type=float, default=0.5)
    p.add_argument("--iters", type=int, default=10, help="timed iterations")
    p.add_argument("--warmup", type=int, default=2, help="untimed iterations first")
    p.add_argument("--decay-start", type=int, default=None,
                   help="linear decay of the learning rate from this iteration to the last (default: constant)")
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0 = default)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-a", help="folder of domain A images (with --data-b)")
    p.add_argument("--data-b", help="folder of domain B images")
    p.add_argument("--save", metavar="DIR", help="write G_A/G_B safetensors here at the end")
    args = p.parse_args(argv)

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    data = None
    if args.data_a or args.data_b:
        data = Unaligned(args.data_a, args.data_b, args.load_size or args.size, args.size, args.seed)
        channels_a, channels_b = data.a[0].shape[0], data.b[0].shape[0]
    else:
        channels_a = channels_b = args.channels
        g = torch.Generator().manual_seed(args.seed + 1)
        fixed = (torch.rand(args.batch_size, channels_a, args.size, args.size, generator=g) * 2 - 1,
                 torch.rand(args.batch_size, channels_b, args.size, args.size, generator=g) * 2 - 1)
    t_build = time.perf_counter()
    trainer = CycleGANTrainer(args, channels_a, channels_b)
    build_s = time.perf_counter() - t_build
    print(f"params: {trainer.params}", file=sys.stderr)

    def one_step() -> float:  # with folder data, preparing the batch is part of the iteration
        t0 = time.perf_counter()
        real_A, real_B = data.batch(args.batch_size) if data is not None else fixed
        trainer.step(real_A, real_B)
        return time.perf_counter() - t0

    t0 = time.perf_counter()
    for _ in range(args.warmup):
        one_step()
    warm_s = time.perf_counter() - t0
    times = [one_step() for _ in range(args.iters)]
    if args.save:
        trainer.save(args.save)
    print(json.dumps({
        "bench": "cyclegan_train",
        "impl": "baseline",
        "batch_size": args.batch_size,
        "size": args.size,
        "ngf": args.ngf,
        "ndf": args.ndf,
        "n_blocks": args.n_blocks,
        "iters": args.iters,
        "warmup": args.warmup,
        "threads": torch.get_num_threads(),
        "data": "folders" if data is not None else "synthetic",
        **trainer.params,
        "build_s": round(build_s, 3),
        "warmup_s": round(warm_s, 3),
        **summarise(times, args.batch_size),
        "final_losses": {k: round(float(v), 4) for k, v in trainer.losses.items()},
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
