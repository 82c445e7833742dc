"""The settings, at the bottom of the tree: judgesync.yaml (`config`), the flags and
the file met once (`policy`), the gate values (`thresholds`), and the URL rule with
the default target (`address`). They import only the models, names, errors and the
spec readers (`specs/`, for judgesync.yaml's YAML and problem wording), so every
layer above may read them."""
