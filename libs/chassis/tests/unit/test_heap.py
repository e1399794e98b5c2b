import gc
import weakref

from chassis import heap


def test_settle_moves_what_exists_out_of_the_collectors_view():
    made_at_start = [{"n": n} for n in range(1000)]
    try:
        heap.settle()
        assert gc.get_freeze_count() >= len(made_at_start)
        assert all(not any(obj is made for obj in gc.get_objects()) for made in made_at_start[:3])
    finally:
        gc.unfreeze()


def test_settle_collects_startup_garbage_rather_than_freezing_it():
    class Cycle:
        pass

    a, b = Cycle(), Cycle()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    try:
        heap.settle()
        assert gone() is None   # frozen, it would live until exit
    finally:
        gc.unfreeze()
