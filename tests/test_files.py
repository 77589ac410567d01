"""Safe reading and writing: what a person gets for a FIFO, a device, a loop, a huge file,
and that a failed or cancelled write leaves the old file exactly as it was."""

import os

import pytest

from gmm_viz.files import (
    FileCheckError,
    atomic_output,
    check_input_file,
    check_output_target,
    clip_message,
    name_some,
    read_input_bytes,
)


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe.csv"
    os.mkfifo(path)
    return path


def test_a_fifo_is_refused_without_being_opened(fifo):
    # Opening a FIFO for reading would block forever: the check must come first.
    with pytest.raises(FileCheckError, match="named pipe"):
        read_input_bytes(fifo)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_is_refused(device):
    with pytest.raises(FileCheckError, match="is a device"):
        read_input_bytes(device)


def test_a_folder_a_link_loop_and_a_nul_name_say_what_they_are(tmp_path):
    with pytest.raises(FileCheckError, match="is a folder"):
        check_input_file(tmp_path)
    loop = tmp_path / "loop.csv"
    os.symlink(loop, loop)
    with pytest.raises(FileCheckError, match="link loop"):
        check_input_file(loop)
    with pytest.raises(FileCheckError, match="NUL character"):
        check_input_file("a\x00b.csv")
    dangling = tmp_path / "dangling.csv"
    os.symlink(tmp_path / "gone.csv", dangling)
    with pytest.raises(FileCheckError, match="link to a file that does not exist"):
        check_input_file(dangling)


def test_a_file_over_the_limit_is_refused_from_its_size(tmp_path):
    sparse = tmp_path / "big.csv"
    with open(sparse, "wb") as f:
        f.truncate(4 * 10**9)  # 4 GB on paper, nothing on disk: must not be read
    with pytest.raises(FileCheckError, match="larger than the 1.07 GB"):
        read_input_bytes(sparse)
    small = tmp_path / "small.csv"
    small.write_bytes(b"x" * 11)
    with pytest.raises(FileCheckError, match="larger than"):
        read_input_bytes(small, max_bytes=10)
    assert read_input_bytes(small, max_bytes=11) == (b"x" * 11, str(small))


@pytest.mark.parametrize("target", ["/dev/null", "FIFO", "FOLDER"])
def test_a_target_that_is_not_a_regular_file_is_refused(tmp_path, fifo, target):
    path = {"FIFO": fifo, "FOLDER": tmp_path}.get(target, target)
    with pytest.raises(FileCheckError, match="not a regular file|is a folder"):
        check_output_target(path)
    with pytest.raises(FileCheckError), atomic_output(path):
        pass


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(FileCheckError, match="does not exist"):
        check_output_target(tmp_path / "no" / "run.json")


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "run.json"
    target.write_text("the user's run")

    class Cancelled(Exception):
        pass

    with pytest.raises(Cancelled), atomic_output(target) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".json"
        tmp.write_text("half a fi")
        raise Cancelled
    assert target.read_text() == "the user's run"
    assert os.listdir(tmp_path) == ["run.json"]


def test_a_finished_write_replaces_the_target_and_keeps_its_permissions(tmp_path):
    target = tmp_path / "run.json"
    target.write_text("old")
    os.chmod(target, 0o640)
    with atomic_output(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"
    assert oct(os.stat(target).st_mode & 0o777) == oct(0o640)
    assert os.listdir(tmp_path) == ["run.json"]


def test_messages_are_bounded():
    text = clip_message("x" * 47_000_000)
    assert len(text) <= 600 and text.endswith("more characters]")
    assert f"{47_000_000 - 560:,}" in text
    assert clip_message("short") == "short"
    assert name_some([f"c{i}" for i in range(3_000)]) == "c0, c1, c2, c3, c4 and 2,995 more"


def test_reading_a_small_file_reserves_no_more_than_it_holds(tmp_path):
    import tracemalloc

    small = tmp_path / "small.csv"
    small.write_bytes(b"x,y\n1,2\n")
    tracemalloc.start()
    try:
        raw, _ = read_input_bytes(small)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert raw == b"x,y\n1,2\n"
    assert peak < 1 << 20  # read(max_bytes) would reserve the whole 1 GiB limit


def test_writing_through_a_link_replaces_the_file_it_points_to(tmp_path):
    real = tmp_path / "data" / "run.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "run.json"
    os.symlink(real, link)
    with atomic_output(link) as tmp:
        tmp.write_text("new")
    assert os.path.islink(link) and real.read_text() == "new"
    assert sorted(os.listdir(real.parent)) == ["run.json"]
