"""Generic functions in a Dask cluster: pickled by reference, and the workers load the code the
parent compiled from the on-disk cache instead of compiling it again."""

import sys
import textwrap

import pytest

distributed = pytest.importorskip("distributed")


def test_dask_workers_reuse_the_on_disk_cache(tmp_path, monkeypatch):
    module = tmp_path / "dask_kernels.py"
    module.write_text(textwrap.dedent("""
        from dispatchjit import generic

        @generic(cache=True)
        def poly(x):
            return 3 * x * x + 2 * x + 1

        def run_in_worker(x):
            return poly(x), poly.compilations
    """))
    cache_dir = tmp_path / "cache"
    monkeypatch.setenv("DISPATCHJIT_CACHE_DIR", str(cache_dir))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.syspath_prepend(str(tmp_path))
    import dask_kernels

    assert dask_kernels.poly(2.0) == 17.0 and dask_kernels.poly.compilations == 1   # fills the cache
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        client.run(lambda: sys.path.insert(0, str(tmp_path)))
        futures = client.map(dask_kernels.run_in_worker, [1.0, 2.0, 3.0, 4.0])
        results = client.gather(futures)
    assert [r for r, _ in results] == [6.0, 17.0, 34.0, 57.0]
    assert all(compiled == 0 for _, compiled in results), results
