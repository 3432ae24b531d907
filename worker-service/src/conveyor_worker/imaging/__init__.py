"""What the image jobs learn from a file's bytes before any decoder sees them."""
