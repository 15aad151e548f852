"""YAML from strangers: no aliases, bounded nesting, bounded size.

PyYAML's safe loader still expands aliases, so a kilobyte of nested aliases ("billion laughs")
becomes gigabytes; and deep nesting exhausts the parser's recursion. :func:`check_yaml` walks the
event stream (no recursion, no expansion) first and refuses both with the line to fix.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from workbench.errors import InputError


def check_yaml(
    text: str, path: str | Path | None, *, what: str, max_depth: int, line_offset: int = 0, too_deep: str | None = None
) -> None:
    """Refuse aliases (``*name``) and nesting deeper than ``max_depth`` collections.

    YAML syntax errors are raised as :class:`yaml.YAMLError` for the caller to report."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 + line_offset if event.start_mark else None
        if isinstance(event, yaml.AliasEvent):
            raise InputError(
                f"{what} uses a YAML alias (*{event.anchor}); aliases are refused, because a few "
                "of them can expand to gigabytes.",
                path=path,
                line=line,
                hint="Write the value out in full instead of `&name` / `*name`.",
            )
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > max_depth:
                raise InputError(
                    too_deep or f"{what} is nested more than {max_depth} levels deep.",
                    path=path,
                    line=line,
                    hint="Flatten the structure.",
                )
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
