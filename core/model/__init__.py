"""The model: a model folder read as data, the transformer and its pooling."""
