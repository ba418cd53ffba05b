from paddlevideo.tasks.sampler import EpochBatchSampler


def test_order_depends_only_on_seed_and_epoch():
    a = EpochBatchSampler(10, 3, shuffle=True, drop_last=True, seed=5)
    b = EpochBatchSampler(10, 3, shuffle=True, drop_last=True, seed=5)
    a.set_epoch(2)
    b.set_epoch(2)
    assert list(a) == list(b)
    b.set_epoch(3)
    assert list(a) != list(b)
    assert len(a) == 3 and all(len(x) == 3 for x in a)


def test_ranks_split_the_epoch():
    r0 = EpochBatchSampler(7, 2, True, False, seed=1, rank=0, world_size=2)
    r1 = EpochBatchSampler(7, 2, True, False, seed=1, rank=1, world_size=2)
    i0 = sum(list(r0), [])
    i1 = sum(list(r1), [])
    assert len(i0) == len(i1) == 4 and len(r0) == len(list(r0)) == 2
    assert set(i0) | set(i1) == set(range(7))
