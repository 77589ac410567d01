"""The worker's turns for the GUI thread (gmm_viz.gui.worker.gil_turns), with an explicit
clock: no test here depends on timing."""

from gmm_viz.gui.worker.gil_turns import GilTurns


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def make(budget=0.002, turn=0.0002):
    fake = FakeTime()
    return fake, GilTurns(clock=fake.clock, sleep=fake.sleep, hold_budget_s=budget,
                          turn_s=turn)


def test_steps_within_the_budget_do_not_sleep():
    fake, turns = make()
    for _ in range(3):  # 3 steps of 0.5 ms: 1.5 ms held
        turns.after_step(0.0005)
        fake.now += 0.0005
    turns.after_step(0.0005)
    assert fake.sleeps == []


def test_a_turn_once_the_budget_is_spent_then_the_count_starts_again():
    fake, turns = make()
    turns.after_step(0.0005)
    steps_between_turns = []
    for step in range(1, 41):  # 40 steps of 0.5 ms = 20 ms of stepping
        fake.now += 0.0005
        before = len(fake.sleeps)
        turns.after_step(0.0005)
        if len(fake.sleeps) > before:
            steps_between_turns.append(step)
    assert fake.sleeps and all(s == 0.0002 for s in fake.sleeps)
    assert turns.turns == len(fake.sleeps)
    # A turn after every 2 ms held (4 steps), never later: the GUI thread waits at most
    # the budget plus a step.
    gaps = [b - a for a, b in zip([0, *steps_between_turns], steps_between_turns)]
    assert gaps and max(gaps) == 4


def test_long_steps_let_the_gui_in_on_their_own_and_take_no_turn():
    fake, turns = make()
    turns.after_step(0.0005)
    for _ in range(10):
        fake.now += 0.05  # steps at a million points: mostly compiled code without the GIL
        turns.after_step(0.05)
    assert fake.sleeps == []
    # Short steps after a long one count from its end.
    for _ in range(3):
        fake.now += 0.0005
        turns.after_step(0.0005)
    assert fake.sleeps == []
    fake.now += 0.0006  # 2.1 ms of short steps since the long one: past the budget
    turns.after_step(0.0005)
    assert fake.sleeps == [0.0002]


def test_a_wait_on_the_drawing_gate_counts_as_a_turn():
    fake, turns = make()
    turns.after_step(0.0005)
    fake.now += 0.0015
    turns.waited()  # the worker blocked until the window painted
    fake.now += 0.0015
    turns.after_step(0.0005)
    assert fake.sleeps == []  # 1.5 ms since the wait, within the budget
    fake.now += 0.001
    turns.after_step(0.0005)
    assert fake.sleeps == [0.0002]


def test_a_waiting_frame_due_within_the_lead_gets_the_gil_at_its_time_once():
    fake, turns = make()
    fake.now = 0.9995
    turns.waited()
    fake.now = 1.0
    turns.after_step(0.0005, frame_due=1.010)  # due in 10 ms: keep stepping
    assert fake.sleeps == []
    fake.now = 1.0095
    turns.after_step(0.0005, frame_due=1.010)  # due in 0.5 ms: step aside until then
    assert len(fake.sleeps) == 1 and fake.now > 1.010
    fake.now += 0.0005
    turns.after_step(0.0005, frame_due=1.010)  # (the same due time: not twice)
    assert len(fake.sleeps) == 1
    fake.now = 1.0259
    turns.after_step(0.05, frame_due=1.026)  # a long step: the GUI got in during it
    assert len(fake.sleeps) == 1
