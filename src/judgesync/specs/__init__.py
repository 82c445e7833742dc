"""Reading spec files: safe YAML with lines, the spec schema, prompts, templates."""
