"""Recognise how a public fundus dataset is laid out on disk and pair its files.

Users download DRIVE, STARE, CHASE_DB1, HRF or a vess2ret-style ``A/B`` tree and point ganzoo at
the extracted folder; they should not have to describe file naming. Each detector knows one
layout (file names as published, see the research notes) and returns one [`Record`][ganzoo_medical.layouts.Record] per
fundus image with its vessel annotation and FOV mask when they exist. Detection also looks one
folder down, because archives often extract into a sub-folder of the same name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ganzoo.plugin import DataError


@dataclass(frozen=True)
class Record:
    """One fundus image and its companions.

    Attributes:
        key: identifier within the dataset (``21``, ``im0001``, ``Image_01L``, ``01_h``, file stem).
        image: the fundus photograph.
        vessels: manual vessel annotation of the chosen annotator, if the release has one.
        fov: field-of-view mask file, if the release has one (else derived from the image).
        split: the official split (``train``/``val``/``test``), or ``None`` when there is none.
        group: records sharing a group (both eyes of a CHASE_DB1 child) stay in one split.
    """

    key: str
    image: Path
    vessels: Path | None
    fov: Path | None
    split: str | None
    group: str


@dataclass(frozen=True)
class Layout:
    """A detected dataset: its name, root folder and records."""

    name: str
    root: Path
    records: list[Record]


Detector = Callable[[Path, int], "list[Record] | None"]


def _find(folder: Path, stem: str) -> Path | None:
    """The file in ``folder`` named ``stem`` plus any extension(s), case-insensitive."""
    if not folder.is_dir():
        return None
    prefix = stem.lower() + "."
    matches = sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower().startswith(prefix))
    return matches[0] if matches else None


def _files(folder: Path, pattern: str) -> list[tuple[re.Match[str], Path]]:
    """Files in ``folder`` whose name fully matches ``pattern`` (case-insensitive), sorted."""
    if not folder.is_dir():
        return []
    regex = re.compile(pattern, re.IGNORECASE)
    found = [(regex.fullmatch(p.name), p) for p in sorted(folder.iterdir()) if p.is_file()]
    return [(m, p) for m, p in found if m]


def detect_drive(root: Path, annotator: int) -> list[Record] | None:
    """``training/images/21_training.tif`` + ``training/1st_manual/21_manual1.gif`` +
    ``training/mask/21_training_mask.gif``; ``test/`` alike (test labels may be absent)."""
    records = []
    for folder, split in (("training", "train"), ("test", "test")):
        base = root / folder
        for match, image in _files(base / "images", rf"(\d+)_{folder}\.tiff?"):
            number = match.group(1)
            records.append(Record(
                key=number,
                image=image,
                vessels=_find(base / f"{'1st' if annotator == 1 else '2nd'}_manual", f"{number}_manual{annotator}"),
                fov=_find(base / "mask", f"{number}_{folder}_mask"),
                split=split,
                group=number,
            ))
    return records or None


def detect_stare(root: Path, annotator: int) -> list[Record] | None:
    """``stare-images/im0001.ppm(.gz)`` + ``labels-ah/im0001.ah.ppm(.gz)`` (``labels-vk`` for the
    second annotator); no FOV masks."""
    label_dir, tag = ("labels-ah", "ah") if annotator == 1 else ("labels-vk", "vk")
    records = [
        Record(
            key=match.group(1),
            image=image,
            vessels=_find(root / label_dir, f"{match.group(1)}.{tag}"),
            fov=None,
            split=None,
            group=match.group(1),
        )
        for match, image in _files(root / "stare-images", r"(im\d{4})\.ppm(\.gz)?")
    ]
    return records or None


def detect_chase(root: Path, annotator: int) -> list[Record] | None:
    """Flat ``Image_01L.jpg`` + ``Image_01L_1stHO.png`` (``_2ndHO`` for the second annotator)."""
    suffix = "1stHO" if annotator == 1 else "2ndHO"
    records = [
        Record(
            key=match.group(1),
            image=image,
            vessels=_find(root, f"{match.group(1)}_{suffix}"),
            fov=None,
            split=None,
            group=match.group(2),  # both eyes of one child share a split
        )
        for match, image in _files(root, r"(Image_(\d+)[LR])\.jpe?g")
    ]
    return records or None


def detect_hrf(root: Path, annotator: int) -> list[Record] | None:
    """``images/01_h.jpg`` (``01_dr.JPG``, ``01_g.jpg``) + ``manual1/01_h.tif`` + ``mask/01_h_mask.tif``."""
    if annotator != 1 and (root / "manual1").is_dir():
        raise DataError(f"{root}: HRF has a single manual annotation (manual1); use annotator = 1")
    records = [
        Record(
            key=match.group(1),
            image=image,
            vessels=_find(root / "manual1", match.group(1)),
            fov=_find(root / "mask", f"{match.group(1)}_mask"),
            split=None,
            group=match.group(1),
        )
        for match, image in _files(root / "images", r"(\d+_(?:h|dr|g))\.(?:jpe?g|tiff?|png)")
    ]
    return records or None


def detect_vess2ret(root: Path, annotator: int) -> list[Record] | None:
    """``{train,val,test}/B/<name>`` fundus images paired with ``{train,val,test}/A/<name>`` masks."""
    records = []
    for split in ("train", "val", "test"):
        folder = root / split
        if not (folder / "A").is_dir() or not (folder / "B").is_dir():
            continue
        for _, image in _files(folder / "B", r".+\.(?:png|jpe?g|tiff?|bmp|gif|ppm)"):
            records.append(Record(
                key=f"{split}/{image.stem}",
                image=image,
                vessels=_find(folder / "A", image.stem),
                fov=None,
                split=split,
                group=f"{split}/{image.stem}",
            ))
    return records or None


#: Detectors in the order they are tried (most specific first; CHASE_DB1 is a flat folder).
DETECTORS: dict[str, tuple[Detector, str]] = {
    "vess2ret": (detect_vess2ret, "vess2ret ({train,val,test}/A and /B)"),
    "drive": (detect_drive, "DRIVE (training/images/NN_training.tif or test/images/NN_test.tif)"),
    "hrf": (detect_hrf, "HRF (images/NN_h.jpg, NN_dr.JPG, NN_g.jpg)"),
    "stare": (detect_stare, "STARE (stare-images/imNNNN.ppm[.gz])"),
    "chase_db1": (detect_chase, "CHASE_DB1 (Image_NNL.jpg / Image_NNR.jpg)"),
}


def detect_layout(root: Path, layout: str = "auto", annotator: int = 1) -> Layout:
    """Find the layout of ``root`` (or of one of its sub-folders); DataError if none matches."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DataError(f"fundus dataset folder {root} does not exist")
    names = list(DETECTORS) if layout == "auto" else [layout]
    candidates = [root] + sorted(p for p in root.iterdir() if p.is_dir())
    for folder in candidates:
        for name in names:
            records = DETECTORS[name][0](folder, annotator)
            if records:
                return Layout(name, folder, records)
    looked_for = "; ".join(DETECTORS[name][1] for name in names)
    raise DataError(f"{root}: no fundus dataset layout recognised; looked for {looked_for}")


def assign_splits(records: list[Record], val_fraction: float, test_fraction: float) -> dict[str, list[Record]]:
    """Records per split: official splits where the release has them, else by sorted groups.

    Without an official split the last ``test_fraction`` of the groups (sorted by key) is test
    and the last ``val_fraction`` of the rest is val. With official train/test splits but no val
    folder (DRIVE), val is the last ``val_fraction`` of the training groups.
    """
    splits: dict[str, list[Record]] = {"train": [], "val": [], "test": []}
    official = [r for r in records if r.split is not None]
    for record in official:
        splits[record.split].append(record)
    unassigned = [r for r in records if r.split is None]
    if unassigned:
        groups = sorted({r.group for r in unassigned})
        n_test = int(round(test_fraction * len(groups)))
        rest = groups[: len(groups) - n_test]
        n_val = int(round(val_fraction * len(rest)))
        test = set(groups[len(rest):])
        val = set(rest[len(rest) - n_val:]) if n_val else set()
        for record in unassigned:
            split = "test" if record.group in test else "val" if record.group in val else "train"
            splits[split].append(record)
    elif official and not splits["val"] and splits["train"]:
        groups = sorted({r.group for r in splits["train"]})
        n_val = int(round(val_fraction * len(groups)))
        val = set(groups[len(groups) - n_val:]) if n_val else set()
        splits["val"] = [r for r in splits["train"] if r.group in val]
        splits["train"] = [r for r in splits["train"] if r.group not in val]
    return splits
