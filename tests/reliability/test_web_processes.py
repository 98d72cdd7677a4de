"""More than one web process (docs/OPERATIONS.md, "Web processes"): an alert reaches sockets on every process,
and the production layout's supervisor restarts a web process that dies while the other keeps serving.

Real processes on the test database and a private Redis (tests/reliability/harness.py).
"""

from __future__ import annotations

import http.client
import re
import subprocess
from pathlib import Path

import pytest

from tests.reliability.harness import BIN, ROOT, Poster, Process, _port_open, free_port, wait_until
from tests.sightings.reads.helpers import a_read

pytestmark = [pytest.mark.services, pytest.mark.timeout(180)]

WANTED = "12가3456"


def test_a_hit_reaches_a_socket_on_each_of_two_web_processes(stack, world, listeners):
    running = stack(workers=1)
    second_port = free_port()
    second = Process(
        "daphne-second",
        [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(second_port), "wassweb.asgi:application"],
        env=running.env,
        log_dir=running.log_dir,
    )
    try:
        wait_until(lambda: _port_open(second_port) or not second.alive(), timeout=60, what="the second daphne")
        assert second.alive(), second.output()
        on_first = listeners(running.ws_url, world.alerts_key)
        on_second = listeners(f"ws://127.0.0.1:{second_port}/ws/alerts/", world.alerts_key)

        read = a_read(plate=WANTED)
        assert Poster(running.url, world.integration_key).post([read])["accepted"] == 1

        wait_until(lambda: on_first.ids() and on_second.ids(), timeout=30, what="the hit on both processes' sockets")
        assert on_first.ids() == on_second.ids() and len(on_first.ids()) == 1
    finally:
        second.stop()


def _supervisor_config(tmp_path: Path, port: int) -> Path:
    """deploy/supervisord.conf with its web processes only, its own files in tmp_path, the project where it is."""
    text = (ROOT / "deploy" / "supervisord.conf").read_text()
    text = re.split(r"^\[program:", text, flags=re.MULTILINE)[0]  # the worker and beat sections follow web
    text = text.replace("%(here)s/../var", str(tmp_path)).replace("%(here)s/..", str(ROOT))
    path = tmp_path / "supervisord.conf"
    path.write_text(text)
    return path


def _web_pids(config: Path, env: dict[str, str]) -> dict[str, int]:
    status = subprocess.run(  # noqa: S603 - our own binary
        [str(BIN / "supervisorctl"), "-c", str(config), "status"], env=env, capture_output=True, text=True, check=False
    ).stdout
    return {name: int(pid) for name, pid in re.findall(r"^web:(web-\d+)\s+RUNNING\s+pid (\d+)", status, re.M)}


def _answer(port: int) -> int:
    """The status of a cheap request (a static file): whichever process takes it, it must be answered."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/static/css/app.css")
        return connection.getresponse().status
    finally:
        connection.close()


def test_the_supervisor_restarts_a_killed_web_process_while_the_other_keeps_serving(stack, world, tmp_path):
    running = stack(workers=0)
    running.web.stop()  # the layout's own web processes replace the harness's one
    port = free_port()
    config = _supervisor_config(tmp_path, port)
    env = {**running.env, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "2"}
    supervisor = Process("supervisord", [str(BIN / "supervisord"), "-c", str(config)], env=env, log_dir=tmp_path)
    try:
        wait_until(lambda: len(_web_pids(config, env)) == 2, timeout=60, what="two web processes", interval=0.3)
        wait_until(lambda: _port_open(port), timeout=60, what="the shared socket")
        assert _answer(port) == 200  # the application is loaded and serving before the fault
        before = _web_pids(config, env)
        Process("kill", ["kill", "-9", str(before["web-0"])], env=env, log_dir=tmp_path).popen.wait(10)

        # Every request meanwhile is answered, by the process still alive.
        answers = [_answer(port) for _ in range(20)]
        assert answers == [200] * 20, answers

        wait_until(
            lambda: _web_pids(config, env).get("web-0", before["web-0"]) != before["web-0"],
            timeout=60,
            what="web-0 started again",
            interval=0.3,
        )
        after = _web_pids(config, env)
        assert after["web-1"] == before["web-1"]  # the other process was never stopped
        assert [_answer(port) for _ in range(10)] == [200] * 10
    finally:
        supervisor.stop()
        print(supervisor.output()[-4000:])
