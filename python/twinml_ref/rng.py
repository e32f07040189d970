"""twinml's seeded generator (src/util/rng.ts: splitmix32 seeding, xoshiro128**), so that a PyTorch training
script draws exactly the batches a twinml run draws from the same seed (src/data/text-batches.ts)."""


def _splitmix32(seed):
    s = seed & 0xFFFFFFFF

    def nxt():
        nonlocal s
        s = (s + 0x9E3779B9) & 0xFFFFFFFF
        z = s
        z = ((z ^ (z >> 16)) * 0x85EBCA6B) & 0xFFFFFFFF
        z = ((z ^ (z >> 13)) * 0xC2B2AE35) & 0xFFFFFFFF
        return (z ^ (z >> 16)) & 0xFFFFFFFF

    return nxt


def _rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & 0xFFFFFFFF


class Rng:
    """The same stream as twinml's `new Rng(seed)` for next_uint32 and randint."""

    def __init__(self, seed):
        nxt = _splitmix32(int(seed))
        self.s = [nxt(), nxt(), nxt(), nxt()]
        if all(v == 0 for v in self.s):
            self.s[0] = 1

    def next_uint32(self):
        s = self.s
        result = (_rotl((s[1] * 5) & 0xFFFFFFFF, 7) * 9) & 0xFFFFFFFF
        t = (s[1] << 9) & 0xFFFFFFFF
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 11)
        return result

    def randint(self, n):
        """Uniform integer in [0, n) without modulo bias (as Rng.randint)."""
        limit = 0x100000000 - (0x100000000 % n)
        while True:
            x = self.next_uint32()
            if x < limit:
                return x % n
