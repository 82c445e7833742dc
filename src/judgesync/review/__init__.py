"""Judge behaviour in review: how well a judge meets its cases, and how a change moves it."""
