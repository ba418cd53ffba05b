from benchmarks.results_md import replace_section


def test_replace_keeps_other_sections(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text("# Results\n\n## A\n\nold a\n\n### A detail\n\nx\n\n## B\n\nold b\n")
    replace_section(str(path), "## A", "## A\n\nnew a")
    replace_section(str(path), "## C", "## C\n\nnew c")
    text = path.read_text()
    assert "old a" not in text and "A detail" not in text
    assert text.index("## A") < text.index("new a") < text.index("## B") < text.index("old b") < text.index("## C")
