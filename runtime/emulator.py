"""The CPU emulator's threads: a block of a kernel with barriers runs as one OS thread per GPU
thread, the threads taking turns (``Baton``), each entering the compiled kernel through the
thread entry ``targets.emulator`` emits."""

from __future__ import annotations

import ctypes
import itertools
import threading

import numpy as np

__all__ = ["run_blocks_threaded"]


class _Baton:
    """Runs the OS threads that emulate one block's threads one at a time, in order, handing
    over at each ``cuda.syncthreads()`` and when a thread leaves the kernel: a phase ends when
    every thread still in the kernel has reached the barrier, and the next starts with the
    first of them. (Compiled code holds the GIL, so they could only take turns anyway; handing
    over to exactly one thread spares waking them all.) A thread that has left no longer
    counts, as on current GPUs; once one has raised, every barrier fails, so none waits for it.
    When the last thread leaves a block, the first thread starts the next block."""

    def __init__(self, nthreads: int):
        self.n = nthreads
        self.turn = [threading.Lock() for _ in range(nthreads)]
        for lock in self.turn:
            lock.acquire()
        self.running, self.arrived, self.failed = set(range(nthreads)), set(), False
        self.turn[0].release()

    def start(self, k: int) -> None:
        self.turn[k].acquire()

    def wait(self, k: int) -> bool:
        self.arrived.add(k)
        self._hand_over(k)
        self.turn[k].acquire()
        return not self.failed

    def leave(self, k: int, failed: bool) -> None:
        self.running.discard(k)
        self.failed = self.failed or failed
        self._hand_over(k)

    def _hand_over(self, k: int) -> None:
        order = [(k + i) % self.n for i in range(1, self.n + 1)]
        nxt = next((j for j in order if j in self.running and j not in self.arrived), None)
        if nxt is None and self.running:   # all at the barrier: the next phase
            self.arrived.clear()
            nxt = min(self.running)
        elif nxt is None:                  # the block is done: the next one
            self.running = set(range(self.n))
            nxt = 0
        self.turn[nxt].release()


_barriers: dict[int, tuple[_Baton, int]] = {}   # id -> (the block's baton, this thread's index)


def _barrier_wait(barrier_id: int) -> int:
    baton, k = _barriers[barrier_id]
    return 0 if baton.wait(k) else 1


_BARRIER_WAIT = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_int64)(_barrier_wait)


def run_blocks_threaded(entry, host, grid, shared_bytes):
    """Run a kernel with barriers: one OS thread per thread of a block, each running its
    thread of every block in turn (see ``_Baton``). The first error stops the launch."""
    blocks, threads = grid[:3], grid[3:]
    order = [tuple(reversed(b)) for b in itertools.product(*(range(n) for n in reversed(blocks)))]
    thread_ids = [tuple(reversed(t)) for t in itertools.product(*(range(n) for n in reversed(threads)))]
    baton, errors = _Baton(len(thread_ids)), []
    shared = [np.empty(max(shared_bytes, 16), np.uint8)]   # uninitialized, as on a GPU

    def work(k: int):
        handle = object()
        _barriers[id(handle)] = (baton, k)
        wait = ctypes.cast(_BARRIER_WAIT, ctypes.c_void_p).value
        try:
            for block in order:
                baton.start(k)
                if k == 0:   # the block's first thread to run: fresh shared memory
                    shared[0] = np.empty(max(shared_bytes, 16), np.uint8)
                failed = False
                if not errors:
                    try:
                        entry(*host, *grid, *block, *thread_ids[k], shared[0].ctypes.data, wait, id(handle))
                    except BaseException as err:  # noqa: BLE001 - the launch re-raises the first one
                        errors.append(err)
                        failed = True
                baton.leave(k, failed)
        finally:
            del _barriers[id(handle)]

    workers = [threading.Thread(target=work, args=(k,)) for k in range(len(thread_ids))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise errors[0]
