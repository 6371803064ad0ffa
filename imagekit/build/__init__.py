"""Building base images: root file systems and the layers made from them."""
