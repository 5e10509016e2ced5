"""The assistant's natural-language understanding: a declared pipeline of registered components."""
