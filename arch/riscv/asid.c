// SPDX-License-Identifier: MIT
/* The ASID allocator with generations (see machine/asid.h).  Host-tested. */
#include <kern/string.h>
#include <machine/asid.h>

void asid_space_init(struct asid_space *s, unsigned bits)
{
    memset(s, 0, sizeof(*s));
    s->bits = bits > ASID_MAX_BITS ? ASID_MAX_BITS : bits;
    s->generation = 1;
    s->next = 1;
}

bool asid_is_current(const struct asid_space *s, const struct asid_tag *tag)
{
    return s->bits > 0 && tag->generation == s->generation;
}

static uint32_t asid_count(const struct asid_space *s)
{
    return 1u << s->bits;
}

static void new_generation(struct asid_space *s)
{
    s->generation++;
    memset(s->used, 0, sizeof(s->used[0]) * ((asid_count(s) + 63) / 64));
    s->in_use = 0;
    s->next = 1;
}

/* A free ASID of the current generation, or 0 if none is left. */
static uint32_t find_free(struct asid_space *s)
{
    uint32_t n = asid_count(s);
    if (s->in_use + 1 >= n)
        return 0;
    for (uint32_t a = s->next;; a = a + 1 < n ? a + 1 : 1) {
        if (!(s->used[a / 64] & (1ULL << (a % 64)))) {
            s->used[a / 64] |= 1ULL << (a % 64);
            s->in_use++;
            s->next = a + 1 < n ? a + 1 : 1;
            return a;
        }
    }
}

uint32_t asid_assign(struct asid_space *s, struct asid_tag *tag, bool *rolled)
{
    *rolled = false;
    if (s->bits == 0) {
        new_generation(s);              /* no ASIDs: every switch flushes */
        *rolled = true;
        tag->generation = s->generation;
        tag->asid = 0;
        return 0;
    }
    if (tag->generation == s->generation)
        return tag->asid;
    uint32_t a = find_free(s);
    if (a == 0) {
        new_generation(s);
        *rolled = true;
        a = find_free(s);
    }
    tag->generation = s->generation;
    tag->asid = a;
    return a;
}
