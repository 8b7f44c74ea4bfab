"""What a run does when writing fails: a full disk (a small tmpfs, or a file-size limit), a
read-only or deleted run directory, paths with NUL and files that are not runs; and what
``durable=True`` adds (checked on the system calls, traced with strace)."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

import pytest
from tensorboard.backend.event_processing import event_accumulator

import histlog

# Logs two keys a step and flushes after each step until the disk is full, checking after every
# flush that each JSON file is valid JSON; then frees the space and logs five more steps.
# Prints what it saw as JSON: the steps whose flush returned, the later steps, the errors.
FILL_THE_DISK = textwrap.dedent(
    """
    import json, os, resource, sys
    import numpy as np
    import histlog

    run_path, mode = sys.argv[1], sys.argv[2]
    keys = ("a", "b/c")
    histograms = os.path.join(run_path, "histograms")

    def check_json_files():
        for name in os.listdir(histograms):
            with open(os.path.join(histograms, name)) as file:
                json.load(file)  # raises on anything but a complete array

    def log_step(step):
        values = np.random.default_rng(step).normal(step, 1, 1000).astype(np.float32)
        for key in keys:
            histlog.log_histogram(values, key=key, step=step)

    histlog.start_run(run_path)
    flushed, errors = [], []
    for step in range(3):
        log_step(step)
        histlog.flush()
        flushed.append(step)
    if mode == "tmpfs":  # fill the file system, then give back two pages
        filler = os.path.join(os.path.dirname(run_path), "filler")
        descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(descriptor, b"x" * 4096)
        except OSError as error:
            assert error.errno == errno_nospc, error
        os.ftruncate(descriptor, os.fstat(descriptor).st_size - 8192)
        os.close(descriptor)
    else:  # each file may grow by about a record
        largest = max(os.path.getsize(os.path.join(dirpath, name))
                      for dirpath, _, names in os.walk(run_path) for name in names)
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (largest + 3000, hard))
    for step in range(3, 43):  # the event file, smaller, fills up too
        try:
            log_step(step)
            histlog.flush()
            flushed.append(step)
        except OSError as error:
            errors.append((error.errno, str(error)))
        check_json_files()
    if mode == "tmpfs":
        os.remove(filler)
    else:
        resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
    try:
        histlog.flush()  # nothing left to report: each failure was reported once
    except OSError as error:
        errors.append((error.errno, "reported twice: " + str(error)))
    later = list(range(50, 55))
    for later_step in later:
        log_step(later_step)
        histlog.flush()  # records reach the files on the writer thread: complete once flushed
        check_json_files()
    histlog.end_run()
    print(json.dumps({"flushed": flushed, "later": later, "errors": errors}))
    """
).replace("errno_nospc", str(errno.ENOSPC))


def tensorboard_steps(run_path):
    """Steps per tag as TensorBoard's EventAccumulator reads the run's event files."""
    accumulator = event_accumulator.EventAccumulator(str(run_path), size_guidance={event_accumulator.HISTOGRAMS: 0})
    accumulator.Reload()
    return {tag: [event.step for event in accumulator.Histograms(tag)] for tag in accumulator.Tags()["histograms"]}


def check_full_disk(run_path, mode, expected_errno):
    child = subprocess.run(
        [sys.executable, "-c", FILL_THE_DISK, str(run_path), mode], capture_output=True, text=True, timeout=300
    )
    assert child.returncode == 0, child.stderr
    seen = json.loads(child.stdout)
    flushed, later, errors = seen["flushed"], seen["later"], seen["errors"]
    assert len(errors) >= 3 and len(flushed) >= 3
    for code, message in errors:
        assert code == expected_errno, message
        assert str(run_path) in message and f"(errno {expected_errno})" in message, message

    reader = histlog.open_run(run_path)
    tensorboard = tensorboard_steps(run_path)
    assert reader.keys() == ["a", "b/c"] and sorted(tensorboard) == ["a", "b/c"]
    for key in ("a", "b/c"):
        for steps in (reader.steps(key), tensorboard[key]):
            # Every flushed step and every later one, each once, in order; a step whose write
            # failed is missing (the JSON files and the event file failed both), never torn.
            assert steps == sorted(set(steps)), steps
            assert set(flushed) <= set(steps) and set(later) <= set(steps), (flushed, later, steps)
            assert len(steps) < 43 + len(later), steps
    for name in os.listdir(run_path / "histograms"):
        with open(run_path / "histograms" / name) as file:
            records = json.load(file)
        assert [record["step"] for record in records] == reader.steps(records[0]["name"])


@contextlib.contextmanager
def small_tmpfs(directory, size="4m"):
    """A tmpfs of `size` mounted on `directory` (root only); skips where mounting is refused."""
    directory.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)],
                             capture_output=True, text=True) if os.geteuid() == 0 else None
    if mounted is None or mounted.returncode != 0:
        pytest.skip("this machine does not let the tests mount a tmpfs (the file-size limit test covers a full disk)")
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=True)


def test_a_full_tmpfs_loses_no_flushed_record_and_the_run_goes_on(tmp_path):
    with small_tmpfs(tmp_path / "disk") as disk:
        check_full_disk(disk / "run", "tmpfs", errno.ENOSPC)


def test_a_file_size_limit_loses_no_flushed_record_and_the_run_goes_on(tmp_path):
    check_full_disk(tmp_path / "run", "rlimit", errno.EFBIG)


def test_a_read_only_mount_is_an_oserror_at_start_run(tmp_path):
    with small_tmpfs(tmp_path / "disk", "1m") as disk:
        with histlog.start_run(disk / "run") as run:
            run.log_histogram([1.0, 2.0], key="k", step=0)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        for path in (disk / "run", disk / "new"):  # appending to a run, or starting one
            with pytest.raises(OSError) as raised:
                histlog.start_run(path)
            assert raised.value.errno == errno.EROFS and str(path) in str(raised.value)
        assert histlog.open_run(disk / "run").steps("k") == [0]


def test_an_unwritable_directory_is_an_oserror_with_its_errno(tmp_path):
    parent = tmp_path / "parent"
    parent.mkdir()
    parent.chmod(0o555)
    code = "import histlog, sys\ntry:\n    histlog.start_run(sys.argv[1])\nexcept OSError as error:\n    print(error.errno, error)"
    command = [sys.executable, "-c", code, str(parent / "run")]
    if os.geteuid() == 0:  # root ignores permissions unless it gives up the capability to
        capabilities = "-dac_override,-dac_read_search"
        command = ["setpriv", f"--inh-caps={capabilities}", f"--bounding-set={capabilities}", *command]
    try:
        child = subprocess.run(command, capture_output=True, text=True, timeout=120)
    finally:
        parent.chmod(0o755)
    assert child.stdout.startswith(f"{errno.EACCES} "), child.stdout + child.stderr
    assert str(parent / "run") in child.stdout


def test_a_deleted_run_directory_is_an_oserror_at_the_next_log_or_flush(tmp_path):
    run = histlog.start_run(tmp_path / "run")
    run.log_histogram([1.0], key="k", step=0)
    run.flush()
    shutil.rmtree(tmp_path / "run")
    run.log_histogram([1.0], key="k", step=1)
    with pytest.raises(OSError) as raised:
        run.flush()
    assert raised.value.errno == errno.ENOENT
    assert str(tmp_path / "run" / "histograms" / "k.json") in str(raised.value)
    # The writer thread goes on: every later write fails the same way, reported by a later call.
    run.log_histogram([1.0], key="k", step=2)
    with pytest.raises(OSError):
        for step in range(3, 1000):
            run.log_histogram([1.0], key="k", step=step)
    with contextlib.suppress(OSError):
        run.close()  # reports what was still queued, if anything, and closes anyway
    assert run.closed and not (tmp_path / "run").exists()


def test_nul_in_a_path_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="path must not contain NUL"):
        histlog.start_run(path=str(tmp_path / "a\x00b"))
    with pytest.raises(ValueError, match="name must be"):
        histlog.start_run(name="a\x00b")
    with pytest.raises(ValueError, match="NUL"):
        histlog.open_run(str(tmp_path / "a\x00b"))
    with pytest.raises(ValueError, match="NUL"):
        histlog.summary(str(tmp_path / "a\x00b"))
    with pytest.raises(ValueError, match="NUL"):
        histlog.report(str(tmp_path), output=str(tmp_path / "r\x00.html"))
    assert not (tmp_path / "a").exists()


def test_open_run_refuses_what_is_not_a_run(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    noise = tmp_path / "noise.bin"
    noise.write_bytes(os.urandom(4096))
    empty_file = tmp_path / "empty"
    empty_file.write_bytes(b"")
    for path in (text, noise, empty_file):
        with pytest.raises(OSError, match="neither a run directory nor a TensorBoard event file"):
            histlog.open_run(path)
    empty_directory = tmp_path / "empty-directory"
    empty_directory.mkdir()
    with pytest.raises(OSError, match="neither histograms/ nor TensorBoard event files"):
        histlog.open_run(empty_directory)
    # A run that has logged nothing yet is a run without keys.
    with histlog.start_run(tmp_path / "new") as run:
        assert histlog.open_run(run.path).keys() == []


# --- durable=True: the system calls ------------------------------------------------------------

# Logs three keys, flushes twice, and marks each return of flush with a write to /dev/null.
DURABLE_CHILD = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    import histlog

    histlog.start_run(sys.argv[1], durable=sys.argv[2] == "1")
    marker = os.open(os.devnull, os.O_WRONLY)
    for step in range(2):
        for key in ("a", "b/c", "d"):
            histlog.log_histogram(np.arange(100.0) * step, key=key, step=step)
        histlog.flush()
        os.write(marker, b"histlog-test: flush returned")
    histlog.end_run()
    """
)

_CALL = re.compile(r"^(\d+)\s+(\w+)\((.*)$")
_RESUMED = re.compile(r"^(\d+)\s+<\.\.\. (\w+) resumed>(.*)$")
_FD_PATH = re.compile(r"^-?\d+<([^>]*)>")
_RESULT = re.compile(r"=\s+(-?\d+)")


def completed_calls(trace):
    """(name, arguments, result) of each system call in strace -f output, in the order they
    finished (an interrupted call is joined with its resumption)."""
    pending = {}
    for line in trace.splitlines():
        resumed = _RESUMED.match(line)
        if resumed:
            pid, name, rest = resumed.groups()
            line = pending.pop(pid, f"{pid} {name}(") + rest
        elif line.endswith("<unfinished ...>"):
            pid = line.split()[0]
            pending[pid] = line[: -len("<unfinished ...>")].rstrip()
            continue
        call = _CALL.match(line)
        if call:
            result = _RESULT.findall(call.group(3))
            yield call.group(2), call.group(3), int(result[-1]) if result else None


def traced(tmp_path, durable):
    strace = shutil.which("strace")
    assert strace, "strace is missing: `make test` installs it (apt-get install strace)"
    run_path = tmp_path / "new" / "run"
    trace_path = tmp_path / f"trace-{durable}.txt"
    subprocess.run(
        [strace, "-f", "-qq", "-y", "-s", "64", "-o", str(trace_path),
         "-e", "trace=mkdir,openat,link,write,pwrite64,fsync,fdatasync",
         sys.executable, "-c", DURABLE_CHILD, str(run_path), "1" if durable else "0"],
        check=True, timeout=300,
    )
    return run_path, list(completed_calls(trace_path.read_text()))


def fd_path(arguments):
    match = _FD_PATH.match(arguments)
    return match.group(1) if match else None


def final_name(path):
    """The file a temporary `.<name>.<pid>.<n>.tmp` becomes."""
    directory, name = os.path.split(path)
    temporary = re.fullmatch(r"\.(.+)\.\d+\.\d+\.tmp", name)
    return os.path.join(directory, temporary.group(1)) if temporary else path


def test_durable_flush_returns_after_fsync_of_every_file_and_created_directory(tmp_path):
    run_path, calls = traced(tmp_path, durable=True)
    root = str(tmp_path)
    created = [arguments.split('"')[1] for name, arguments, result in calls if name == "mkdir" and result == 0]
    assert created == [f"{root}/new", f"{root}/new/run", f"{root}/new/run/histograms"]
    markers = [index for index, (name, arguments, _) in enumerate(calls)
               if name == "write" and "histlog-test: flush returned" in arguments]
    assert len(markers) == 2
    start = 0
    for marker in markers:
        # Files written since the previous flush, the directories that got names, the fsyncs.
        written, named_in, synced = set(), set(), {}
        for index in range(start, marker):
            name, arguments, result = calls[index]
            path = fd_path(arguments)
            if name in ("write", "pwrite64") and path and path.startswith(str(run_path)):
                written.add(final_name(path))
                synced.pop(final_name(path), None)  # a write after an fsync needs another
            elif name in ("link", "openat") and result is not None and result >= 0 and "O_CREAT" in arguments:
                named = arguments.split('"')[3 if name == "link" else 1]
                if named.startswith(root) and not named.endswith(".tmp"):
                    named_in.add(os.path.dirname(named))
            elif name == "fsync" and result == 0:
                synced[path] = index
        if marker == markers[0]:  # the run's directories, each with the parent that names it
            named_in |= set(created) | {root}
        assert {f"{run_path}/histograms/a.json", f"{run_path}/histograms/d.json"} <= written
        assert any("events.out.tfevents" in path for path in written)
        assert written <= set(synced), f"written but not fsynced before flush returned: {written - set(synced)}"
        assert named_in <= set(synced), f"directories not fsynced: {named_in - set(synced)}"
        start = marker + 1


def test_without_durable_nothing_is_fsynced(tmp_path):
    run_path, calls = traced(tmp_path, durable=False)
    assert not [call for call in calls if call[0] in ("fsync", "fdatasync") and call[2] == 0
                and str(tmp_path) in call[1]]
    assert histlog.open_run(run_path).steps("b/c") == [0, 1]
