// SPDX-License-Identifier: MIT
/*
 * Name tables (ipc/ipc_space.c): names with generations, random reuse,
 * growth, the reverse map, chosen names and a full table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ipc/ipc_port.h>
#include <ipc/ipc_right.h>
#include <ipc/ipc_space.h>
#include "ipc_host.h"

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static mach_port_type_t type_of(struct ipc_space *s, mach_port_name_t name)
{
    mach_port_type_t t = 0;
    return ipc_right_type(s, name, &t) == KERN_SUCCESS ? t : 0;
}

/* Thousands of names made and freed at random: live names stay, freed ones go stale. */
static void test_random_reuse(void **state)
{
    (void)state;
    enum { SLOTS = 3000, STEPS = 40000 };
    struct ipc_host_task *t = ipc_host_task_create();
    mach_port_name_t live[SLOTS] = { 0 }, dead[SLOTS] = { 0 };
    bool is_port[SLOTS] = { false };
    uint32_t nlive = 0, nports = 0;
    bool *in_use = calloc(1u << 24, sizeof(bool));      /* by name */
    rng_state = 12345;
    for (int step = 0; step < STEPS; step++) {
        unsigned i = rng() % SLOTS;
        if (live[i] == 0) {
            is_port[i] = rng() % 4 == 0;
            kern_return_t kr = is_port[i] ? ipc_right_alloc_receive(t->space, &live[i])
                                          : ipc_right_alloc_dead(t->space, &live[i]);
            assert_int_equal(kr, KERN_SUCCESS);
            assert_true(MACH_PORT_VALID(live[i]) && live[i] < (1u << 24));
            assert_false(in_use[live[i]]);
            in_use[live[i]] = true;
            nlive++;
            nports += is_port[i];
        } else {
            assert_int_equal(ipc_right_destroy_all(t->space, live[i]), KERN_SUCCESS);
            in_use[live[i]] = false;
            dead[i] = live[i];
            live[i] = 0;
            nlive--;
            nports -= is_port[i];
        }
        if (step % 4000 != 0 && step != STEPS - 1)
            continue;
        /* Every live name is what it was made as; no freed name works. */
        for (unsigned j = 0; j < SLOTS; j++) {
            if (live[j] != 0)
                assert_int_equal(type_of(t->space, live[j]),
                                 is_port[j] ? MACH_PORT_TYPE_RECEIVE : MACH_PORT_TYPE_DEAD_NAME);
            if (dead[j] != 0 && !in_use[dead[j]])
                assert_int_equal(type_of(t->space, dead[j]), 0);
        }
        assert_int_equal(ipc_space_count(t->space), nlive);
        assert_int_equal(ipc_port_count(), nports);
    }
    free(in_use);
    ipc_host_task_destroy(t);
    ipc_host_check_clean();
}

/* A freed name whose slot is reused gets a new generation: the old name is stale. */
static void test_generation(void **state)
{
    (void)state;
    struct ipc_host_task *t = ipc_host_task_create();
    mach_port_name_t first, again;
    assert_int_equal(ipc_right_alloc_receive(t->space, &first), KERN_SUCCESS);
    struct ipc_port *p = ipc_host_port(t, first);
    assert_non_null(p);
    assert_int_equal(ipc_right_destroy_all(t->space, first), KERN_SUCCESS);
    assert_int_equal(ipc_port_count(), 0);
    assert_int_equal(ipc_right_alloc_receive(t->space, &again), KERN_SUCCESS);
    assert_int_equal(MACH_PORT_INDEX(again), MACH_PORT_INDEX(first));
    assert_int_not_equal(MACH_PORT_GEN(again), MACH_PORT_GEN(first));
    mach_port_type_t type;
    assert_int_equal(ipc_right_type(t->space, first, &type), KERN_INVALID_NAME);
    assert_int_equal(ipc_right_dealloc(t->space, first), KERN_INVALID_NAME);
    assert_int_equal(ipc_right_destroy_all(t->space, first), KERN_INVALID_NAME);
    struct ipc_port *q;
    assert_int_equal(ipc_right_lookup_receive(t->space, first, &q), KERN_INVALID_NAME);
    /* The generation advances on every reuse of the slot. */
    mach_port_name_t prev = again;
    for (int i = 0; i < 10; i++) {
        assert_int_equal(ipc_right_destroy_all(t->space, prev), KERN_SUCCESS);
        mach_port_name_t n;
        assert_int_equal(ipc_right_alloc_dead(t->space, &n), KERN_SUCCESS);
        assert_int_equal(MACH_PORT_INDEX(n), MACH_PORT_INDEX(first));
        assert_int_equal(MACH_PORT_GEN(n), (MACH_PORT_GEN(prev) + 1) & 0xff);
        prev = n;
    }
    ipc_host_task_destroy(t);
    ipc_host_check_clean();
}

/* Growing the table (by allocation and by a chosen high name) keeps every name. */
static void test_growth(void **state)
{
    (void)state;
    enum { N = 1000 };
    struct ipc_host_task *t = ipc_host_task_create();
    mach_port_name_t names[N];
    struct ipc_port *ports[N];
    for (int i = 0; i < N; i++) {
        assert_int_equal(ipc_right_alloc_receive(t->space, &names[i]), KERN_SUCCESS);
        ports[i] = ipc_host_port(t, names[i]);
        for (int j = 0; j < i; j += 37)
            assert_ptr_equal(ipc_host_port(t, names[j]), ports[j]);
    }
    uint32_t size = t->space->size;
    mach_port_name_t high = MACH_PORT_MAKE(size * 4 + 3, 7);
    assert_int_equal(ipc_right_alloc_receive_name(t->space, high), KERN_SUCCESS);
    assert_true(t->space->size > size * 4 + 3);
    for (int i = 0; i < N; i++) {
        assert_ptr_equal(ipc_host_port(t, names[i]), ports[i]);
        assert_int_equal(ipc_space_reverse_lookup(t->space, ports[i]), names[i]);
    }
    /* The slots below the chosen name are free and still handed out. */
    mach_port_name_t n;
    assert_int_equal(ipc_right_alloc_dead(t->space, &n), KERN_SUCCESS);
    assert_true(MACH_PORT_INDEX(n) < MACH_PORT_INDEX(high));
    assert_int_equal(ipc_space_count(t->space), N + 2);
    ipc_host_task_destroy(t);
    ipc_host_check_clean();
}

/* The reverse map: one name per port for send/receive rights, one per send-once right. */
static void test_reverse_map(void **state)
{
    (void)state;
    struct ipc_host_task *a = ipc_host_task_create(), *b = ipc_host_task_create();
    mach_port_name_t r, n1, n2, so1, so2, other;
    assert_int_equal(ipc_right_alloc_receive(a->space, &r), KERN_SUCCESS);
    assert_int_equal(ipc_right_alloc_receive(a->space, &other), KERN_SUCCESS);
    struct ipc_port *p = ipc_host_port(a, r), *q = ipc_host_port(a, other);
    assert_int_equal(ipc_space_reverse_lookup(a->space, p), r);
    assert_int_equal(ipc_space_reverse_lookup(a->space, q), other);
    assert_int_equal(ipc_space_reverse_lookup(b->space, p), MACH_PORT_NULL);

    /* Send rights to p in a merge into the receive right's name. */
    assert_int_equal(ipc_right_copyout(a->space, ipc_port_make_send(p), MACH_MSG_TYPE_PORT_SEND,
                                       &n1), KERN_SUCCESS);
    assert_int_equal(n1, r);
    /* In b they get one name, whatever their number. */
    assert_int_equal(ipc_right_copyout(b->space, ipc_port_make_send(p), MACH_MSG_TYPE_PORT_SEND,
                                       &n1), KERN_SUCCESS);
    assert_int_equal(ipc_right_copyout(b->space, ipc_port_make_send(p), MACH_MSG_TYPE_PORT_SEND,
                                       &n2), KERN_SUCCESS);
    assert_int_equal(n1, n2);
    assert_int_equal(ipc_space_reverse_lookup(b->space, p), n1);
    mach_port_urefs_t refs;
    assert_int_equal(ipc_right_get_refs(b->space, n1, MACH_PORT_RIGHT_SEND, &refs), KERN_SUCCESS);
    assert_int_equal(refs, 2);
    assert_int_equal(p->srights, 2);    /* one per space */
    /* Send-once rights each get a name of their own, outside the reverse map. */
    assert_int_equal(ipc_right_copyout(b->space, ipc_port_make_send_once(p),
                                       MACH_MSG_TYPE_PORT_SEND_ONCE, &so1), KERN_SUCCESS);
    assert_int_equal(ipc_right_copyout(b->space, ipc_port_make_send_once(p),
                                       MACH_MSG_TYPE_PORT_SEND_ONCE, &so2), KERN_SUCCESS);
    assert_true(so1 != so2 && so1 != n1 && so2 != n1);
    assert_int_equal(ipc_space_reverse_lookup(b->space, p), n1);
    /* Dropping the send right frees the name; the next send right gets a new one. */
    assert_int_equal(ipc_right_delta(b->space, n1, MACH_PORT_RIGHT_SEND, -2), KERN_SUCCESS);
    assert_int_equal(ipc_space_reverse_lookup(b->space, p), MACH_PORT_NULL);
    assert_int_equal(ipc_right_copyout(b->space, ipc_port_make_send(p), MACH_MSG_TYPE_PORT_SEND,
                                       &n2), KERN_SUCCESS);
    assert_int_not_equal(n2, n1);
    assert_int_equal(ipc_space_reverse_lookup(b->space, p), n2);
    ipc_host_task_destroy(b);
    ipc_host_task_destroy(a);
    ipc_host_check_clean();
}

/* Chosen names: taken, out of range, or reserved. */
static void test_chosen_names(void **state)
{
    (void)state;
    struct ipc_host_task *t = ipc_host_task_create();
    mach_port_name_t n = MACH_PORT_MAKE(5, 3);
    assert_int_equal(ipc_right_alloc_receive_name(t->space, n), KERN_SUCCESS);
    assert_int_equal(ipc_right_alloc_receive_name(t->space, n), KERN_NAME_EXISTS);
    assert_int_equal(ipc_right_alloc_dead_name(t->space, MACH_PORT_MAKE(5, 4)), KERN_NAME_EXISTS);
    assert_int_equal(ipc_right_alloc_pset_name(t->space, MACH_PORT_MAKE(0, 4)),
                     KERN_INVALID_VALUE);
    assert_int_equal(ipc_right_alloc_dead_name(t->space, MACH_PORT_DEAD), KERN_INVALID_VALUE);
    assert_int_equal(ipc_right_alloc_dead_name(t->space, MACH_PORT_NULL), KERN_INVALID_VALUE);
    assert_int_equal(ipc_right_alloc_dead_name(t->space, MACH_PORT_MAKE(IPC_SPACE_MAX_ENTRIES, 1)),
                     KERN_INVALID_VALUE);
    assert_int_equal(ipc_port_count(), 1);      /* the refused receive rights left nothing */
    assert_int_equal(ipc_space_count(t->space), 1);
    ipc_host_task_destroy(t);
    ipc_host_check_clean();
}

/* A full table: KERN_NO_SPACE for a new name, and a right copied out is destroyed. */
static void test_full_table(void **state)
{
    (void)state;
    struct ipc_host_task *t = ipc_host_task_create(), *u = ipc_host_task_create();
    mach_port_name_t n, r;
    uint32_t made = 0;
    kern_return_t kr;
    while ((kr = ipc_right_alloc_dead(t->space, &n)) == KERN_SUCCESS)
        made++;
    assert_int_equal(kr, KERN_NO_SPACE);
    assert_int_equal(made, IPC_SPACE_MAX_ENTRIES - 1);
    assert_int_equal(ipc_right_alloc_receive(t->space, &n), KERN_NO_SPACE);
    assert_int_equal(ipc_port_count(), 0);
    /* A right given to the full space is destroyed, with the port when it was its last. */
    assert_int_equal(ipc_right_alloc_receive(u->space, &r), KERN_SUCCESS);
    struct ipc_port *p = ipc_host_port(u, r);
    assert_int_equal(ipc_right_copyout(t->space, ipc_port_make_send(p), MACH_MSG_TYPE_PORT_SEND,
                                       &n), KERN_NO_SPACE);
    assert_int_equal(n, MACH_PORT_NULL);
    assert_int_equal(p->srights, 0);
    assert_int_equal(p->refs, 1);
    struct ipc_port *moved;
    bool dead;
    assert_int_equal(ipc_right_copyin(u->space, r, MACH_MSG_TYPE_MOVE_RECEIVE, &moved, &dead),
                     KERN_SUCCESS);
    assert_int_equal(ipc_right_copyout(t->space, moved, MACH_MSG_TYPE_PORT_RECEIVE, &n),
                     KERN_NO_SPACE);
    assert_int_equal(ipc_port_count(), 0);
    /* A freed name makes room again. */
    assert_int_equal(ipc_right_dealloc(t->space, MACH_PORT_MAKE(100, 0)), KERN_SUCCESS);
    assert_int_equal(ipc_right_alloc_receive(t->space, &n), KERN_SUCCESS);
    assert_int_equal(MACH_PORT_INDEX(n), 100);
    ipc_host_task_destroy(u);
    ipc_host_task_destroy(t);
    ipc_host_check_clean();
}

/* The table cannot grow (no memory): KERN_RESOURCE_SHORTAGE, nothing changed. */
static void test_no_memory(void **state)
{
    (void)state;
    struct ipc_host_task *t = ipc_host_task_create();
    mach_port_name_t n;
    uint32_t size = t->space->size;
    for (uint32_t i = 1; i < size; i++)
        assert_int_equal(ipc_right_alloc_dead(t->space, &n), KERN_SUCCESS);
    ipc_host_kmem_fail_after(0);
    assert_int_equal(ipc_right_alloc_dead(t->space, &n), KERN_RESOURCE_SHORTAGE);
    assert_int_equal(ipc_right_alloc_receive_name(t->space, MACH_PORT_MAKE(size + 1, 0)),
                     KERN_RESOURCE_SHORTAGE);
    ipc_host_zone_fail_after(0);
    assert_int_equal(ipc_space_count(t->space), size - 1);
    ipc_host_kmem_fail_after(-1);
    ipc_host_zone_fail_after(-1);
    assert_int_equal(ipc_right_alloc_dead(t->space, &n), KERN_SUCCESS);
    assert_int_equal(t->space->size, size * 2);
    ipc_host_task_destroy(t);
    ipc_host_check_clean();
}

int main(void)
{
    ipc_host_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_reuse),
        cmocka_unit_test(test_generation),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_reverse_map),
        cmocka_unit_test(test_chosen_names),
        cmocka_unit_test(test_full_table),
        cmocka_unit_test(test_no_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
