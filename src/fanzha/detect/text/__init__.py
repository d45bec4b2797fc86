"""Chinese scam-text classification (Art 21, 22): hashed character n-grams and a linear model."""
