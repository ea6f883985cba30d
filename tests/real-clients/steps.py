"""One line per step, then `N passed, M failed`; exit status 1 on any failure."""

import sys
import traceback


class Steps:
    def __init__(self, client, out=None):
        self.client = client
        # Where the step lines go (a client that logs on stdout gets its own stream).
        self.out = out or sys.stdout
        self.passed = 0
        self.failed = 0

    def run(self, name, check):
        """Runs `check()`; it passes unless it raises. Returns what `check` returned."""
        try:
            result = check()
        except Exception as error:  # noqa: BLE001 - every failure is reported, not raised
            self.failed += 1
            detail = f"{type(error).__name__}: {error}".splitlines()[0][:300]
            print(f"FAIL {self.client}: {name}: {detail}", file=self.out, flush=True)
            if "-v" in sys.argv:
                traceback.print_exc()
            return None
        self.passed += 1
        print(f"ok   {self.client}: {name}", file=self.out, flush=True)
        return result

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed", file=self.out, flush=True)
        sys.exit(1 if self.failed else 0)


def expect(condition, message):
    if not condition:
        raise AssertionError(message)
