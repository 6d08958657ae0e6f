import json
import subprocess
import sys

import pytest
from conftest import FIXTURES, ROOT
from typer.testing import CliRunner

from briefing.apps.cli import app

runner = CliRunner()


def test_build_writes_dated_md_and_html_and_prints_paths(echo, seeds, tmp_path):
    r = runner.invoke(app, ["build", str(seeds), "--date", "2026-02-05", "--out", str(tmp_path / "b")])
    assert r.exit_code == 0, r.output
    assert r.stdout.split() == [str(tmp_path / "b" / "2026-02-05.md"), str(tmp_path / "b" / "2026-02-05.html")]
    md = (tmp_path / "b" / "2026-02-05.md").read_text()
    assert md.startswith("---\ndate: \"2026-02-05\"") and "\n# Briefing for Thursday, 5 February 2026\n" in md
    assert md.count("\n- **") == 4
    assert "<ul>" in (tmp_path / "b" / "2026-02-05.html").read_text()


@pytest.mark.e2e
def test_build_defaults_to_today_and_briefs(echo, seeds):
    from datetime import date

    r = runner.invoke(app, ["build", str(seeds), "--format", "md"])
    assert r.exit_code == 0
    assert r.stdout.strip() == f"briefs/{date.today().isoformat()}.md"


def test_bad_date_is_usage_error(echo, seeds):
    r = runner.invoke(app, ["build", str(seeds), "--date", "2026-13-45"])
    assert r.exit_code == 2 and "use YYYY-MM-DD" in r.stderr


@pytest.mark.e2e
def test_some_bad_inputs_partial_success(echo, seeds, tmp_path):
    (tmp_path / "bin.dat").write_bytes(b"\x00\x01\x02" * 100)
    r = runner.invoke(app, ["build", str(seeds), str(tmp_path / "bin.dat"), "--date", "2026-02-05"])
    assert r.exit_code == 5
    assert "bin.dat: a binary file" in r.stderr
    assert (tmp_path / "briefs" / "2026-02-05.md").exists()


def test_nothing_usable_exits_3_and_keeps_old_brief(echo, tmp_path):
    old = tmp_path / "briefs" / "2026-02-05.md"
    old.parent.mkdir()
    old.write_text("yesterday's good brief")
    (tmp_path / "empty.txt").write_text("")
    r = runner.invoke(app, ["build", str(tmp_path / "empty.txt"), "--date", "2026-02-05"])
    assert r.exit_code == 3
    assert r.stderr.startswith("Error: No usable articles:") and "empty.txt" in r.stderr
    assert old.read_text() == "yesterday's good brief"


@pytest.mark.e2e
def test_failed_render_leaves_previous_files_and_no_temp_files(echo, seeds, tmp_path, monkeypatch):
    out = tmp_path / "briefs"
    out.mkdir()
    (out / "2026-02-05.md").write_text("old md")

    def boom(*a, **k):
        raise RuntimeError("disk gone")

    monkeypatch.setattr("briefing.publish.render.to_html", boom)
    with pytest.raises(RuntimeError):
        runner.invoke(app, ["build", str(seeds), "--date", "2026-02-05"], catch_exceptions=False)
    assert (out / "2026-02-05.md").read_text() == "old md"
    assert sorted(p.name for p in out.iterdir() if p.name != ".briefing.lock") == ["2026-02-05.md"]


def test_summarize_json_keeps_jsonl_ids(echo):
    r = runner.invoke(app, ["summarize", str(FIXTURES / "articles.jsonl"), "--format", "json", "-n", "2"])
    assert r.exit_code == 0
    assert "line 2 is not valid JSON" in r.stderr
    data = json.loads(r.stdout)
    assert [d["id"] for d in data] == ["wire-17", "wire-18"]
    assert set(data[0]) >= {"id", "title", "source", "headline", "summary", "model"}
    assert data[0]["summary"] == ["The central bank held interest rates at 4 percent on Thursday.",
                                  "Analysts had expected the move."]


def test_summarize_stdin_text(echo):
    r = runner.invoke(app, ["summarize", "-"], input="ROME – The vote passed easily. Turnout was high.")
    assert r.exit_code == 0
    assert r.stdout.startswith("* The vote passed easily.")
    assert "()" not in r.stdout  # stdin names no outlet: no empty parentheses where the source would be


def test_summarize_text_names_source_and_cut_off(echo):
    r = runner.invoke(app, ["summarize", "-"], input='{"title": "Vote passed", "text": "The vote passed easily on '
                      'Monday. Turnout was high across the", "source": "Example News"}')
    assert r.exit_code == 0, r.output
    assert r.stdout.rstrip().endswith("(Example News, cut off)")


def test_summarize_missing_file(echo):
    r = runner.invoke(app, ["summarize", "nope.txt"])
    assert r.exit_code == 3 and "nope.txt: no such file" in r.stderr


def test_unknown_model_is_one_line_error(seeds):
    r = runner.invoke(app, ["summarize", str(seeds), "--model", "nonesuch"])
    assert r.exit_code == 4
    assert r.stderr.count("\n") == 1 and "Model 'nonesuch'" in r.stderr


def test_lead_model_runs_without_torch_model(seeds):
    r = runner.invoke(app, ["summarize", str(seeds), "--model", "lead", "--format", "markdown"])
    assert r.exit_code == 0 and r.stdout.count("- **") == 4


def test_help_lists_every_option():
    r = runner.invoke(app, ["build", "--help"])
    for opt in ("--date", "--out", "--format", "--model", "--sentences", "--quiet"):
        assert opt in r.stdout
    r = runner.invoke(app, ["summarize", "--help"])
    assert "--format" in r.stdout and "--sentences" in r.stdout


def test_help_shows_examples_exit_codes_and_completion():
    r = runner.invoke(app, ["--help"])
    assert "--install-completion" in r.stdout  # typer's own shell completion
    for command in (["build"], ["summarize"]):
        text = runner.invoke(app, [*command, "--help"]).stdout
        assert "Examples:" in text and "Exit codes:" in text
        assert "5    done, but some inputs, entries or stories were left out" in text
    text = runner.invoke(app, ["summarize", "--help"]).stdout
    assert "http(s) links" in text and "briefing summarize a.txt https://example.org/story.html" in text
    assert "briefing config init --source" in runner.invoke(app, ["config", "init", "--help"]).stdout


def test_summarize_takes_several_files_and_links_in_order(echo, tmp_path):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    page = (FIXTURES / "page.html").read_bytes()

    class Page(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    (tmp_path / "a.txt").write_text("ROME – The vote passed easily on Sunday. Turnout was high.\n")
    (tmp_path / "c.txt").write_text("PARIS – The museum reopened after a year of repairs. Visitors queued.\n")
    try:
        r = runner.invoke(app, ["summarize", str(tmp_path / "a.txt"), f"http://127.0.0.1:{server.server_address[1]}/s",
                                str(tmp_path / "missing.txt"), str(tmp_path / "c.txt"), "--format", "json"])
    finally:
        server.shutdown()
    assert r.exit_code == 5, r.output
    records = json.loads(r.stdout)
    assert len(records) == 3
    assert records[0]["headline"].startswith("The vote") and records[2]["headline"].startswith("The museum")
    assert "storm" in json.dumps(records[1]).lower()
    assert "missing.txt: no such file or folder" in r.stderr


def test_python_dash_m_works():
    r = subprocess.run([sys.executable, "-m", "briefing", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and "build" in r.stdout and "summarize" in r.stdout


def test_models_list():
    r = runner.invoke(app, ["models", "list"])
    assert r.exit_code == 0 and "minilm" in r.stdout and "bart-cnn" in r.stdout


def test_models_pull_offline_names_the_fix(tmp_path):
    r = runner.invoke(app, ["models", "pull", "bart-cnn", "--models-dir", str(tmp_path)])
    assert r.exit_code == 4 and "HF_HUB_OFFLINE=1" in r.stderr
