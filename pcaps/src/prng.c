/* Deterministic pseudo-random numbers: splitmix64 seeding xoshiro256**.
 * Both are fully specified integer algorithms, so every machine produces
 * the same sequence for the same seed. */
#include "pktgen.h"

uint64_t pg_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void pg_rng_seed(pg_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t st = seed;
    uint64_t mix = stream;
    st ^= pg_splitmix64(&mix);
    for (int i = 0; i < 4; i++)
        r->s[i] = pg_splitmix64(&st);
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
        r->s[0] = 1; /* the all-zero state is the one forbidden state */
}

static inline uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t pg_rng_next(pg_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

/* Multiply-shift with rejection (no modulo bias). */
uint32_t pg_rng_below(pg_rng *r, uint32_t n)
{
    if (n <= 1)
        return 0;
    uint64_t m = (pg_rng_next(r) >> 32) * (uint64_t)n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (uint32_t)(0u - n) % n;
        while (low < threshold) {
            m = (pg_rng_next(r) >> 32) * (uint64_t)n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

uint32_t pg_rng_range(pg_rng *r, uint32_t lo, uint32_t hi)
{
    if (hi <= lo)
        return lo;
    if (hi - lo == UINT32_MAX)
        return (uint32_t)(pg_rng_next(r) >> 32);
    return lo + pg_rng_below(r, hi - lo + 1);
}

int pg_rng_chance(pg_rng *r, uint32_t num, uint32_t den)
{
    return pg_rng_below(r, den) < num;
}

void pg_rng_fill(pg_rng *r, uint8_t *dst, size_t n)
{
    while (n >= 8) {
        uint64_t v = pg_rng_next(r);
        for (int i = 0; i < 8; i++)
            dst[i] = (uint8_t)(v >> (8 * i));
        dst += 8;
        n -= 8;
    }
    if (n) {
        uint64_t v = pg_rng_next(r);
        for (size_t i = 0; i < n; i++)
            dst[i] = (uint8_t)(v >> (8 * i));
    }
}
