"""Built-in components: DCGAN, U-Net, PatchGAN, adversarial/GP/R1/L1 losses, image datasets."""
