"""Python source analysis: one libcst parse per file, one walk, plain facts out."""
