"""imagekit: make Docker images small."""
