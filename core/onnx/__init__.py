"""Queries embedded by ONNX Runtime from an exported model, without torch."""
