"""The codebook as a tree with counts; the selected code's definition, when to use it, when not,
its example and its memos, because coders consult them while coding."""

from __future__ import annotations


from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, Tree
from textual.widgets.tree import TreeNode

from workbench import coding
from workbench.codes import codes_within
from workbench.models import Code
from workbench.tui.app import workbench_app
from workbench.tui.text import plural


class CodebookScreen(Screen[None]):
    """Browse the code tree; Enter retrieves a code's segments; m writes a memo on it."""

    DEFAULT_CSS = """
    CodebookScreen Horizontal { height: 1fr; }
    CodebookScreen Tree { width: 1fr; min-width: 36; }
    CodebookScreen #detail { width: 1fr; border-left: solid $primary; padding: 0 1; }
    """
    BINDINGS = [
        Binding("enter", "retrieve", "Segments of this code", id="codebook.retrieve"),
        Binding("m", "memo", "Memo on the code", id="codebook.memo"),
        Binding("n", "new_code", "New sub-code", id="codebook.new"),
        Binding("escape", "back", "Back", id="codebook.back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield Tree("Codebook", id="tree")
            with VerticalScroll(id="detail"):
                yield Static("", id="definition")
        yield Footer()

    def on_mount(self) -> None:
        self.build()

    def build(self, select: int | None = None) -> None:
        store = workbench_app(self).store
        codes = store.codes()
        tree = self.query_one(Tree)
        tree.clear()
        tree.root.expand()
        nodes: dict[int | None, TreeNode[Code]] = {}
        totals = self.totals(codes)
        parents = {c.parent_id for c in codes}
        for code in codes:
            parent = nodes.get(code.parent_id, tree.root)
            label = Text()
            label.append("■ ", Style(color=code.colour or "#888888"))
            label.append(code.name)
            label.append(f"  {code.segments}", Style(dim=True))
            if totals[code.id] != code.segments:
                label.append(f" ({totals[code.id]} with sub-codes)", Style(dim=True))
            if code.id in parents:
                node = parent.add(label, data=code, expand=True)
            else:
                node = parent.add_leaf(label, data=code)
            nodes[code.id] = node
        tree.focus()
        if select in nodes:
            tree.move_cursor(nodes[select])

    @staticmethod
    def totals(codes: list[Code]) -> dict[int, int]:
        """Segments of each code together with its sub-codes."""
        own = {c.id: c.segments or 0 for c in codes}
        return {c.id: sum(own[i] for i in codes_within(codes, [c.id])) for c in codes}

    @property
    def current(self) -> Code | None:
        node = self.query_one(Tree).cursor_node
        return node.data if node is not None else None

    @on(Tree.NodeHighlighted)
    def show_code(self) -> None:
        code = self.current
        out = Text()
        if code is None:
            self.query_one("#definition", Static).update("")
            return
        out.append(code.path + "\n\n", Style(bold=True, color=code.colour or None))
        for key, label in (
            ("definition", "Definition"),
            ("when_to_use", "When to use"),
            ("when_not_to_use", "When not to use"),
            ("example", "Example"),
        ):
            if getattr(code, key):
                out.append(f"{label}\n", Style(bold=True))
                value = getattr(code, key)
                out.append((f"“{value}”" if key == "example" else value) + "\n\n")
        if code.keywords:
            out.append("Keywords\n", Style(bold=True))
            out.append(", ".join(code.keywords) + "\n\n")
        memos = workbench_app(self).store.memos("code", code.id)
        if memos:
            out.append("Memos\n", Style(bold=True))
            for memo in memos:
                out.append(f"{memo.coder or ''} · {memo.created_at[:10]}\n", Style(dim=True))
                out.append(memo.text + "\n\n")
        from workbench.findings.relations import list_links

        links = list_links(workbench_app(self).store, code_id=code.id)
        if links:
            out.append("Links\n", Style(bold=True))
            for link in links:
                out.append(link.sentence() + ("\n" if not link.memo else f"\n  {link.memo}\n"))
            out.append("\n")
        out.append(f"{plural(code.segments or 0, 'segment')}. Enter lists them.", Style(dim=True))
        self.query_one("#definition", Static).update(out)

    @on(Tree.NodeSelected)
    def selected(self) -> None:
        self.action_retrieve()

    def action_retrieve(self) -> None:
        code = self.current
        if code:
            from workbench.tui.screens.retrieval import RetrievalScreen

            self.app.push_screen(RetrievalScreen(code.id))

    def action_memo(self) -> None:
        code = self.current
        if not code:
            return
        from workbench.tui.screens.dialogs import MemoDialog

        def save(text: str | None) -> None:
            if text and text.strip():
                coding.add_memo(workbench_app(self).store, "code", code.id, text, coder=workbench_app(self).coder)
                self.show_code()

        self.app.push_screen(MemoDialog(f"Memo on {code.path}"), save)

    def action_new_code(self) -> None:
        parent = self.current
        from workbench.tui.screens.dialogs import MemoDialog

        def create(name: str | None) -> None:
            if not name or not name.strip():
                return
            path = f"{parent.path}/{name.strip()}" if parent else name.strip()
            try:
                code = coding.create_code(workbench_app(self).store, path, coder=workbench_app(self).coder)
            except Exception as exc:  # noqa: BLE001 - shown to the coder, nothing written
                self.notify(str(exc), severity="warning")
                return
            self.build(select=code.id)

        where = f"under {parent.path}" if parent else "at the top level"
        self.app.push_screen(MemoDialog(f"Name of the new code {where}"), create)

    def action_back(self) -> None:
        self.app.pop_screen()
