"""Generic engine: metadata, codec, expressions, gateway, provisioning."""
