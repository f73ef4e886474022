"""vmon: health monitoring for public video-surveillance networks."""

__version__ = "0.1.0"
