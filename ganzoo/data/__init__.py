"""Data descriptions, image I/O, augmentation and export."""
