// SPDX-License-Identifier: MIT
/*
 * Rights in name spaces (see ipc/ipc_right.h).  Each operation decides
 * under the space lock what changes, and releases rights (which may send
 * notifications or destroy ports) only after unlocking it.
 */
#include <kern/panic.h>
#include <ipc/ipc_mqueue.h>
#include <ipc/ipc_notify.h>
#include <ipc/ipc_port.h>
#include <ipc/ipc_pset.h>
#include <ipc/ipc_right.h>
#include <ipc/ipc_space.h>

/* What to do with a right once the space is unlocked. */
enum release {
    REL_NONE,
    REL_REF,            /* drop a port reference */
    REL_SEND,           /* a send right: srights--, drop the reference */
    REL_SEND_KEEPREF,   /* a send right whose entry keeps the reference */
    REL_SONCE,          /* a send-once right: send-once notification */
    REL_RECEIVE,        /* a receive right: destroy the port */
    REL_PSET,           /* a port set: destroy it */
};

static bool port_alive(struct ipc_port *p)
{
    return __atomic_load_n(&p->active, __ATOMIC_ACQUIRE);
}

static void srights_dec_keep_ref(struct ipc_port *p)
{
    ipc_port_reference(p);
    ipc_port_release_send(p);
}

static void do_release(void *object, enum release what)
{
    struct ipc_port *p = object;
    switch (what) {
    case REL_NONE: break;
    case REL_REF: ipc_port_release(p); break;
    case REL_SEND: ipc_port_release_send(p); break;
    case REL_SEND_KEEPREF: srights_dec_keep_ref(p); break;
    case REL_SONCE: ipc_notify_send_once(p); break;
    case REL_RECEIVE:
        spin_lock(&p->lock);
        ipc_port_destroy(p);
        break;
    case REL_PSET: ipc_pset_destroy(object); break;
    }
}

/* Free an entry that has no rights left (space locked). */
static void entry_free(struct ipc_space *s, mach_port_name_t name, struct ipc_entry *e)
{
    kassert(e->type == 0 || e->type == MACH_PORT_TYPE_DEAD_NAME);
    ipc_dnrequest_cancel(s, name, e);
    e->type = 0;
    ipc_entry_free(s, name);
}

/*
 * The entry of `name`, with a send right to a dead port turned into a dead
 * name first (space locked).  *drop gets a port whose reference the
 * caller must release after unlocking.
 */
static struct ipc_entry *lookup_checked(struct ipc_space *s, mach_port_name_t name,
                                        struct ipc_port **drop)
{
    struct ipc_entry *e = ipc_entry_lookup(s, name);
    *drop = NULL;
    if (e == NULL || !(e->type & MACH_PORT_TYPE_SEND_RIGHTS))
        return e;
    struct ipc_port *p = e->object;
    if (port_alive(p))
        return e;
    /*
     * Send rights keep their user references; a send-once right has one,
     * plus the one a dead-name notification may already have added.
     */
    if (e->type & MACH_PORT_TYPE_SEND)
        ipc_space_reverse_remove(s, name, p);
    e->type = MACH_PORT_TYPE_DEAD_NAME;
    e->object = NULL;
    *drop = p;
    return e;
}

struct ipc_entry *ipc_right_entry_checked(struct ipc_space *s, mach_port_name_t name,
                                          struct ipc_port **drop)
{
    kassert(spin_lock_held(&s->lock));
    return lookup_checked(s, name, drop);
}

/* ---- copyin ---- */

static kern_return_t copyin_receive(struct ipc_space *s, mach_port_name_t name,
                                    struct ipc_entry *e, struct ipc_port **out)
{
    if (!(e->type & MACH_PORT_TYPE_RECEIVE))
        return KERN_INVALID_RIGHT;
    struct ipc_port *p = e->object;
    struct ipc_port *old = ipc_port_set_receiver(p, NULL, MACH_PORT_NULL);
    kassert(old == NULL);               /* a right held in a space is not in transit */
    e->type &= ~MACH_PORT_TYPE_RECEIVE;
    if (e->type & MACH_PORT_TYPE_SEND) {
        ipc_port_reference(p);          /* the entry keeps its own */
    } else {
        ipc_space_reverse_remove(s, name, p);
        entry_free(s, name, e);         /* its reference goes in transit */
    }
    *out = p;
    return KERN_SUCCESS;
}

static kern_return_t copyin_move_send(struct ipc_space *s, mach_port_name_t name,
                                      struct ipc_entry *e, struct ipc_port **out,
                                      bool *dead)
{
    if (e->type == MACH_PORT_TYPE_DEAD_NAME) {
        if (--e->urefs == 0)
            entry_free(s, name, e);
        *dead = true;
        return KERN_SUCCESS;
    }
    if (!(e->type & MACH_PORT_TYPE_SEND))
        return KERN_INVALID_RIGHT;
    struct ipc_port *p = e->object;
    if (e->urefs > 1) {
        e->urefs--;
        ipc_port_copy_send(p);          /* the space keeps one, one travels */
    } else if (e->type & MACH_PORT_TYPE_RECEIVE) {
        e->type &= ~MACH_PORT_TYPE_SEND;
        e->urefs = 0;
        ipc_port_reference(p);
    } else {
        ipc_space_reverse_remove(s, name, p);
        e->type = 0;
        entry_free(s, name, e);
    }
    *out = p;
    return KERN_SUCCESS;
}

static kern_return_t copyin_send_once(struct ipc_space *s, mach_port_name_t name,
                                      struct ipc_entry *e, struct ipc_port **out,
                                      bool *dead)
{
    if (e->type == MACH_PORT_TYPE_DEAD_NAME) {
        if (--e->urefs == 0)
            entry_free(s, name, e);
        *dead = true;
        return KERN_SUCCESS;
    }
    if (e->type != MACH_PORT_TYPE_SEND_ONCE)
        return KERN_INVALID_RIGHT;
    *out = e->object;
    e->type = 0;
    entry_free(s, name, e);
    return KERN_SUCCESS;
}

static kern_return_t copyin_locked(struct ipc_space *s, mach_port_name_t name,
                                   struct ipc_entry *e, mach_msg_type_name_t disp,
                                   struct ipc_port **out, bool *dead)
{
    switch (disp) {
    case MACH_MSG_TYPE_MOVE_RECEIVE:
        return copyin_receive(s, name, e, out);
    case MACH_MSG_TYPE_COPY_SEND:
        if (e->type == MACH_PORT_TYPE_DEAD_NAME) {
            *dead = true;
            return KERN_SUCCESS;
        }
        if (!(e->type & MACH_PORT_TYPE_SEND))
            return KERN_INVALID_RIGHT;
        *out = ipc_port_copy_send(e->object);
        return KERN_SUCCESS;
    case MACH_MSG_TYPE_MAKE_SEND:
        if (!(e->type & MACH_PORT_TYPE_RECEIVE))
            return KERN_INVALID_RIGHT;
        *out = ipc_port_make_send(e->object);
        return KERN_SUCCESS;
    case MACH_MSG_TYPE_MAKE_SEND_ONCE:
        if (!(e->type & MACH_PORT_TYPE_RECEIVE))
            return KERN_INVALID_RIGHT;
        *out = ipc_port_make_send_once(e->object);
        return KERN_SUCCESS;
    case MACH_MSG_TYPE_MOVE_SEND:
        return copyin_move_send(s, name, e, out, dead);
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
        return copyin_send_once(s, name, e, out, dead);
    default:
        return KERN_INVALID_VALUE;
    }
}

kern_return_t ipc_right_copyin(struct ipc_space *s, mach_port_name_t name,
                               mach_msg_type_name_t disp, struct ipc_port **out,
                               bool *dead)
{
    struct ipc_port *drop;
    *out = NULL;
    *dead = false;
    if (!MACH_MSG_TYPE_PORT_ANY(disp))
        return KERN_INVALID_VALUE;
    spin_lock(&s->lock);
    struct ipc_entry *e = s->active ? lookup_checked(s, name, &drop) : NULL;
    kern_return_t kr = e == NULL ? KERN_INVALID_NAME
                                 : copyin_locked(s, name, e, disp, out, dead);
    spin_unlock(&s->lock);
    if (e != NULL)
        ipc_port_release(drop);
    if (kr == KERN_SUCCESS && disp == MACH_MSG_TYPE_MOVE_RECEIVE) {
        ipc_pset_remove_port(*out);
        ipc_mqueue_wake_all(*out);      /* its waiting receivers: MACH_RCV_PORT_CHANGED */
    }
    return kr;
}

/* Does an entry of `type` hold what `disp` takes (a dead name holds nothing)? */
static bool has_right(mach_port_type_t type, mach_msg_type_name_t disp)
{
    switch (disp) {
    case MACH_MSG_TYPE_MOVE_RECEIVE:
    case MACH_MSG_TYPE_MAKE_SEND:
    case MACH_MSG_TYPE_MAKE_SEND_ONCE:
        return type & MACH_PORT_TYPE_RECEIVE;
    case MACH_MSG_TYPE_MOVE_SEND:
    case MACH_MSG_TYPE_COPY_SEND:
        return type & MACH_PORT_TYPE_SEND;
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
        return type == MACH_PORT_TYPE_SEND_ONCE;
    default:
        return false;
    }
}

bool ipc_right_copyin_check(struct ipc_space *s, mach_port_name_t name,
                            mach_msg_type_name_t disp)
{
    struct ipc_port *drop = NULL;
    spin_lock(&s->lock);
    struct ipc_entry *e = s->active ? lookup_checked(s, name, &drop) : NULL;
    bool ok = e != NULL && has_right(e->type, disp);
    spin_unlock(&s->lock);
    ipc_port_release(drop);
    return ok;
}

/* The header's two rights, space locked: see ipc_right_copyin_header(). */
static mach_msg_return_t copyin_header_locked(struct ipc_space *s, mach_port_name_t dname,
                                              mach_msg_type_name_t ddisp, mach_port_name_t rname,
                                              mach_msg_type_name_t rdisp, struct ipc_port **dest,
                                              struct ipc_port **reply, struct ipc_port *drop[2])
{
    bool dead;
    /* Decode: both names must hold their rights before either is taken. */
    struct ipc_entry *de = lookup_checked(s, dname, &drop[0]);
    if (de == NULL || !has_right(de->type, ddisp))
        return MACH_SEND_INVALID_DEST;
    struct ipc_entry *re = rdisp != 0 ? lookup_checked(s, rname, &drop[1]) : NULL;
    if (rdisp != 0 && (re == NULL || !has_right(re->type, rdisp)))
        return MACH_SEND_INVALID_REPLY;
    /* Perform. */
    if (copyin_locked(s, dname, de, ddisp, dest, &dead) != KERN_SUCCESS || *dest == NULL)
        return MACH_SEND_INVALID_DEST;
    if (rdisp == 0)
        return MACH_MSG_SUCCESS;
    if (rname == dname)
        re = ipc_entry_lookup(s, rname);    /* the first copyin may have freed it */
    if (re == NULL || copyin_locked(s, rname, re, rdisp, reply, &dead) != KERN_SUCCESS ||
        *reply == NULL)
        return MACH_SEND_INVALID_REPLY;
    return MACH_MSG_SUCCESS;
}

mach_msg_return_t ipc_right_copyin_header(struct ipc_space *s, mach_port_name_t dname,
                                          mach_msg_type_name_t ddisp, mach_port_name_t rname,
                                          mach_msg_type_name_t rdisp, struct ipc_port **dest,
                                          struct ipc_port **reply)
{
    struct ipc_port *drop[2] = { NULL, NULL };
    mach_msg_return_t mr = MACH_SEND_INVALID_DEST;
    *dest = NULL;
    *reply = NULL;
    if (rname == MACH_PORT_NULL)
        rdisp = 0;
    spin_lock(&s->lock);
    if (s->active)
        mr = copyin_header_locked(s, dname, ddisp, rname, rdisp, dest, reply, drop);
    spin_unlock(&s->lock);
    ipc_port_release(drop[0]);
    ipc_port_release(drop[1]);
    if (mr != MACH_MSG_SUCCESS && *dest != NULL) {
        ipc_right_release_transit(*dest, ipc_right_transit_type(ddisp));
        *dest = NULL;
    }
    return mr;
}

void ipc_right_release_transit(struct ipc_port *p, mach_msg_type_name_t type)
{
    if (p == NULL)
        return;
    if (type == MACH_MSG_TYPE_PORT_SEND)
        do_release(p, REL_SEND);
    else if (type == MACH_MSG_TYPE_PORT_SEND_ONCE)
        do_release(p, REL_SONCE);
    else if (type == MACH_MSG_TYPE_PORT_RECEIVE)
        do_release(p, REL_RECEIVE);
}

/* ---- copyout ---- */

/* Put a send right to a live port into the space (locked).  *rel: what to drop after. */
static kern_return_t copyout_send(struct ipc_space *s, struct ipc_port *p,
                                  mach_port_name_t *name, enum release *rel)
{
    mach_port_name_t n = ipc_space_reverse_lookup(s, p);
    if (n != MACH_PORT_NULL) {
        struct ipc_entry *e = ipc_entry_lookup(s, n);
        if (e->type & MACH_PORT_TYPE_SEND) {
            if (e->urefs < MACH_PORT_UREFS_MAX)
                e->urefs++;
            *rel = REL_SEND;            /* merged: srights-- and the reference */
        } else {
            e->type |= MACH_PORT_TYPE_SEND;
            e->urefs = 1;
            *rel = REL_REF;             /* the entry already holds one */
        }
        *name = n;
        return KERN_SUCCESS;
    }
    struct ipc_entry *e;
    kern_return_t kr = ipc_entry_alloc(s, &n, &e);
    if (kr != KERN_SUCCESS)
        return kr;
    e->type = MACH_PORT_TYPE_SEND;
    e->urefs = 1;
    e->object = p;
    ipc_space_reverse_insert(s, n, p);
    *name = n;
    return KERN_SUCCESS;
}

/* *old_dest: the destination reference of the right in transit, to drop after unlocking. */
static kern_return_t copyout_receive(struct ipc_space *s, struct ipc_port *p,
                                     mach_port_name_t *name, enum release *rel,
                                     struct ipc_port **old_dest)
{
    mach_port_name_t n = ipc_space_reverse_lookup(s, p);
    if (n != MACH_PORT_NULL) {
        ipc_entry_lookup(s, n)->type |= MACH_PORT_TYPE_RECEIVE;
        *rel = REL_REF;
    } else {
        struct ipc_entry *e;
        kern_return_t kr = ipc_entry_alloc(s, &n, &e);
        if (kr != KERN_SUCCESS)
            return kr;
        e->type = MACH_PORT_TYPE_RECEIVE;
        e->object = p;
        ipc_space_reverse_insert(s, n, p);
    }
    *old_dest = ipc_port_set_receiver(p, s, n);
    *name = n;
    return KERN_SUCCESS;
}

static kern_return_t copyout_sonce(struct ipc_space *s, struct ipc_port *p, mach_port_name_t *name)
{
    struct ipc_entry *e;
    kern_return_t kr = ipc_entry_alloc(s, name, &e);
    if (kr == KERN_SUCCESS) {
        e->type = MACH_PORT_TYPE_SEND_ONCE;
        e->urefs = 1;
        e->object = p;
    }
    return kr;
}

kern_return_t ipc_right_copyout(struct ipc_space *s, struct ipc_port *p,
                                mach_msg_type_name_t type, mach_port_name_t *name)
{
    if (type != MACH_MSG_TYPE_PORT_RECEIVE && !port_alive(p)) {
        ipc_right_release_transit(p, type);
        *name = MACH_PORT_DEAD;
        return KERN_SUCCESS;
    }
    enum release rel = REL_NONE;
    struct ipc_port *old_dest = NULL;
    spin_lock(&s->lock);
    kern_return_t kr = KERN_INVALID_TASK;
    if (s->active) {
        if (type == MACH_MSG_TYPE_PORT_SEND)
            kr = copyout_send(s, p, name, &rel);
        else if (type == MACH_MSG_TYPE_PORT_SEND_ONCE)
            kr = copyout_sonce(s, p, name);
        else
            kr = copyout_receive(s, p, name, &rel, &old_dest);
    }
    spin_unlock(&s->lock);
    ipc_port_release(old_dest);
    if (kr != KERN_SUCCESS) {
        ipc_right_release_transit(p, type);
        *name = MACH_PORT_NULL;
        return kr;
    }
    do_release(p, rel);
    return KERN_SUCCESS;
}

/*
 * May a right of `type` to `p` go under the existing entry `e` (space
 * locked)?  Only a send or receive right, onto the entry holding the send
 * or receive rights to the same port.
 */
static kern_return_t name_fits(struct ipc_entry *e, struct ipc_port *p, mach_msg_type_name_t type)
{
    if (type == MACH_MSG_TYPE_PORT_SEND_ONCE || e->object != p ||
        !(e->type & MACH_PORT_TYPE_SEND_RECEIVE))
        return KERN_NAME_EXISTS;
    if (type == MACH_MSG_TYPE_PORT_SEND && (e->type & MACH_PORT_TYPE_SEND) &&
        e->urefs >= MACH_PORT_UREFS_MAX)
        return KERN_UREFS_OVERFLOW;
    return KERN_SUCCESS;
}

/* Put the right into `e` (space locked); *rel: what to drop after unlocking. */
static void fill_named(struct ipc_space *s, mach_port_name_t name, struct ipc_entry *e,
                       bool fresh, struct ipc_port *p, mach_msg_type_name_t type,
                       enum release *rel)
{
    if (fresh) {
        e->object = p;
        if (type != MACH_MSG_TYPE_PORT_SEND_ONCE)
            ipc_space_reverse_insert(s, name, p);
    }
    *rel = fresh ? REL_NONE : REL_REF;          /* the entry holds one reference */
    if (type == MACH_MSG_TYPE_PORT_SEND) {
        if (e->type & MACH_PORT_TYPE_SEND)
            *rel = REL_SEND;                    /* merged: srights-- too */
        e->type |= MACH_PORT_TYPE_SEND;
        e->urefs++;
    } else if (type == MACH_MSG_TYPE_PORT_SEND_ONCE) {
        e->type = MACH_PORT_TYPE_SEND_ONCE;
        e->urefs = 1;
    } else {
        e->type |= MACH_PORT_TYPE_RECEIVE;
    }
}

kern_return_t ipc_right_copyout_name(struct ipc_space *s, struct ipc_port *p,
                                     mach_msg_type_name_t type, mach_port_name_t name)
{
    struct ipc_entry *e = NULL;
    bool fresh = false;
    enum release rel = REL_NONE;
    struct ipc_port *old_dest = NULL;
    spin_lock(&s->lock);
    kern_return_t kr = ipc_entry_get_name(s, name, &e, &fresh);
    if (kr == KERN_SUCCESS && !fresh)
        kr = name_fits(e, p, type);
    mach_port_name_t other = kr == KERN_SUCCESS && type != MACH_MSG_TYPE_PORT_SEND_ONCE
                             ? ipc_space_reverse_lookup(s, p) : MACH_PORT_NULL;
    if (other != MACH_PORT_NULL && other != name)
        kr = KERN_RIGHT_EXISTS;         /* the space knows the port by another name */
    if (kr == KERN_SUCCESS)
        fill_named(s, name, e, fresh, p, type, &rel);
    else if (fresh)
        ipc_entry_free(s, name);
    if (kr == KERN_SUCCESS && type == MACH_MSG_TYPE_PORT_RECEIVE)
        old_dest = ipc_port_set_receiver(p, s, name);
    spin_unlock(&s->lock);
    ipc_port_release(old_dest);
    if (kr == KERN_SUCCESS)
        do_release(p, rel);
    return kr;
}

/* ---- deallocation and destruction ---- */

kern_return_t ipc_right_dealloc(struct ipc_space *s, mach_port_name_t name)
{
    struct ipc_port *drop;
    enum release rel = REL_NONE;
    void *obj = NULL;
    spin_lock(&s->lock);
    struct ipc_entry *e = lookup_checked(s, name, &drop);
    kern_return_t kr = KERN_SUCCESS;
    if (e == NULL) {
        kr = KERN_INVALID_NAME;
    } else if (e->type == MACH_PORT_TYPE_DEAD_NAME) {
        if (--e->urefs == 0)
            entry_free(s, name, e);
    } else if (e->type == MACH_PORT_TYPE_SEND_ONCE) {
        obj = e->object;
        rel = REL_SONCE;
        e->type = 0;
        entry_free(s, name, e);
    } else if (e->type & MACH_PORT_TYPE_SEND) {
        obj = e->object;
        if (--e->urefs > 0) {
            rel = REL_NONE;
        } else if (e->type & MACH_PORT_TYPE_RECEIVE) {
            e->type &= ~MACH_PORT_TYPE_SEND;
            rel = REL_SEND_KEEPREF;
        } else {
            ipc_space_reverse_remove(s, name, obj);
            e->type = 0;
            entry_free(s, name, e);
            rel = REL_SEND;
        }
    } else {
        kr = KERN_INVALID_RIGHT;
    }
    spin_unlock(&s->lock);
    ipc_port_release(drop);
    do_release(obj, rel);
    return kr;
}

/* Remove every right of `name` (space locked); up to two things to release after. */
static void strip_entry(struct ipc_space *s, mach_port_name_t name, struct ipc_entry *e,
                        enum release rel[2])
{
    mach_port_type_t t = e->type;
    rel[0] = rel[1] = REL_NONE;
    if (t & MACH_PORT_TYPE_PORT_SET)
        rel[0] = REL_PSET;
    else if (t & MACH_PORT_TYPE_SEND_ONCE)
        rel[0] = REL_SONCE;
    else if (t & MACH_PORT_TYPE_RECEIVE) {
        rel[0] = REL_RECEIVE;
        if (t & MACH_PORT_TYPE_SEND) {
            ipc_port_reference(e->object);
            rel[1] = REL_SEND;
        }
    } else if (t & MACH_PORT_TYPE_SEND)
        rel[0] = REL_SEND;
    if (t & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE))
        ipc_space_reverse_remove(s, name, e->object);
    e->type = 0;
    entry_free(s, name, e);
}

kern_return_t ipc_right_destroy_all(struct ipc_space *s, mach_port_name_t name)
{
    struct ipc_port *drop;
    enum release rel[2] = { REL_NONE, REL_NONE };
    spin_lock(&s->lock);
    struct ipc_entry *e = lookup_checked(s, name, &drop);
    void *obj = e != NULL ? e->object : NULL;
    if (e != NULL) {
        if (e->type & MACH_PORT_TYPE_RECEIVE) {
            struct ipc_port *p = obj;
            spin_lock(&p->lock);
            p->receiver = NULL;
            spin_unlock(&p->lock);
        }
        strip_entry(s, name, e, rel);
    }
    spin_unlock(&s->lock);
    ipc_port_release(drop);
    if (e == NULL)
        return KERN_INVALID_NAME;
    if (rel[0] == REL_RECEIVE)
        ipc_pset_remove_port(obj);
    do_release(obj, rel[0]);            /* the port dies first: no no-senders message */
    do_release(obj, rel[1]);
    return KERN_SUCCESS;
}

/* mod_refs on one right kind, with the space locked. */
static kern_return_t delta_locked(struct ipc_space *s, mach_port_name_t name, struct ipc_entry *e,
                                  mach_port_right_t right, mach_port_delta_t delta,
                                  void **obj, enum release *rel)
{
    mach_port_type_t want = MACH_PORT_TYPE(right);
    if (!(e->type & want))
        return KERN_INVALID_RIGHT;
    if (right == MACH_PORT_RIGHT_SEND || right == MACH_PORT_RIGHT_DEAD_NAME) {
        long n = (long)e->urefs + delta;
        if (n < 0)
            return KERN_INVALID_VALUE;
        if (n > MACH_PORT_UREFS_MAX)
            return KERN_UREFS_OVERFLOW;
        if (n > 0) {
            e->urefs = (uint16_t)n;
            return KERN_SUCCESS;
        }
        e->urefs = 1;                   /* down to zero: as deallocate */
        spin_unlock(&s->lock);
        kern_return_t kr = ipc_right_dealloc(s, name);
        spin_lock(&s->lock);
        return kr;
    }
    if (delta > 0 || delta < -1)
        return KERN_INVALID_VALUE;
    if (delta == 0)
        return KERN_SUCCESS;
    *obj = e->object;
    *rel = right == MACH_PORT_RIGHT_RECEIVE ? REL_RECEIVE
         : right == MACH_PORT_RIGHT_PORT_SET ? REL_PSET : REL_SONCE;
    if (right == MACH_PORT_RIGHT_RECEIVE) {
        struct ipc_port *p = *obj;
        spin_lock(&p->lock);
        p->receiver = NULL;
        spin_unlock(&p->lock);
        e->type &= ~MACH_PORT_TYPE_RECEIVE;
        if (e->type & MACH_PORT_TYPE_SEND)
            ipc_port_reference(p);      /* the entry keeps a reference for its send right */
        else {
            ipc_space_reverse_remove(s, name, p);
            entry_free(s, name, e);
        }
        return KERN_SUCCESS;
    }
    e->type = 0;
    entry_free(s, name, e);
    return KERN_SUCCESS;
}

kern_return_t ipc_right_delta(struct ipc_space *s, mach_port_name_t name,
                              mach_port_right_t right, mach_port_delta_t delta)
{
    if (right >= MACH_PORT_RIGHT_NUMBER)
        return KERN_INVALID_VALUE;
    struct ipc_port *drop;
    void *obj = NULL;
    enum release rel = REL_NONE;
    spin_lock(&s->lock);
    struct ipc_entry *e = lookup_checked(s, name, &drop);
    kern_return_t kr = e == NULL ? KERN_INVALID_NAME
                                 : delta_locked(s, name, e, right, delta, &obj, &rel);
    spin_unlock(&s->lock);
    ipc_port_release(drop);
    if (rel == REL_RECEIVE)
        ipc_pset_remove_port(obj);
    do_release(obj, rel);
    return kr;
}

kern_return_t ipc_right_get_refs(struct ipc_space *s, mach_port_name_t name,
                                 mach_port_right_t right, mach_port_urefs_t *refs)
{
    if (right >= MACH_PORT_RIGHT_NUMBER)
        return KERN_INVALID_VALUE;
    struct ipc_port *drop;
    spin_lock(&s->lock);
    struct ipc_entry *e = lookup_checked(s, name, &drop);
    kern_return_t kr = e == NULL ? KERN_INVALID_NAME : KERN_SUCCESS;
    if (e != NULL) {
        bool has = e->type & MACH_PORT_TYPE(right);
        if (right == MACH_PORT_RIGHT_SEND || right == MACH_PORT_RIGHT_DEAD_NAME)
            *refs = has ? e->urefs : 0;
        else
            *refs = has ? 1 : 0;
    }
    spin_unlock(&s->lock);
    ipc_port_release(drop);
    return kr;
}

kern_return_t ipc_right_type(struct ipc_space *s, mach_port_name_t name, mach_port_type_t *type)
{
    struct ipc_port *drop;
    spin_lock(&s->lock);
    struct ipc_entry *e = lookup_checked(s, name, &drop);
    if (e != NULL)
        *type = e->type | (e->dnrequest != NULL ? MACH_PORT_TYPE_DNREQUEST : 0);
    spin_unlock(&s->lock);
    ipc_port_release(drop);
    return e != NULL ? KERN_SUCCESS : KERN_INVALID_NAME;
}

static kern_return_t lookup_right(struct ipc_space *s, mach_port_name_t name,
                                  mach_port_type_t want, struct ipc_port **out)
{
    struct ipc_port *drop;
    spin_lock(&s->lock);
    struct ipc_entry *e = s->active ? lookup_checked(s, name, &drop) : NULL;
    kern_return_t kr = KERN_INVALID_NAME;
    if (e != NULL) {
        kr = (e->type & want) ? KERN_SUCCESS : KERN_INVALID_RIGHT;
        if (kr == KERN_SUCCESS) {
            *out = e->object;
            ipc_port_reference(*out);
        }
    }
    spin_unlock(&s->lock);
    if (e != NULL)
        ipc_port_release(drop);
    return kr;
}

kern_return_t ipc_right_lookup_receive(struct ipc_space *s, mach_port_name_t name,
                                       struct ipc_port **out)
{
    return lookup_right(s, name, MACH_PORT_TYPE_RECEIVE, out);
}

kern_return_t ipc_right_lookup_send(struct ipc_space *s, mach_port_name_t name,
                                    struct ipc_port **out)
{
    return lookup_right(s, name, MACH_PORT_TYPE_SEND, out);
}

/* ---- new rights ---- */

static kern_return_t alloc_object(struct ipc_space *s, mach_port_name_t *name, bool chosen,
                                  mach_port_type_t type, void *object)
{
    struct ipc_entry *e;
    bool fresh = true;
    spin_lock(&s->lock);
    kern_return_t kr = chosen ? ipc_entry_get_name(s, *name, &e, &fresh)
                              : ipc_entry_alloc(s, name, &e);
    if (kr == KERN_SUCCESS && !fresh)
        kr = KERN_NAME_EXISTS;
    if (kr == KERN_SUCCESS) {
        e->type = type;
        e->object = object;
        e->urefs = type == MACH_PORT_TYPE_DEAD_NAME ? 1 : 0;
        if (type == MACH_PORT_TYPE_RECEIVE) {
            ipc_space_reverse_insert(s, *name, object);
            ipc_port_set_receiver(object, s, *name);    /* a new port: no destination */
        }
    }
    spin_unlock(&s->lock);
    return kr;
}

static kern_return_t alloc_receive(struct ipc_space *s, mach_port_name_t *name, bool chosen)
{
    struct ipc_port *p = ipc_port_alloc();
    if (p == NULL)
        return KERN_RESOURCE_SHORTAGE;
    kern_return_t kr = alloc_object(s, name, chosen, MACH_PORT_TYPE_RECEIVE, p);
    if (kr != KERN_SUCCESS) {
        spin_lock(&p->lock);
        ipc_port_destroy(p);
    }
    return kr;
}

kern_return_t ipc_right_alloc_receive(struct ipc_space *s, mach_port_name_t *name)
{
    return alloc_receive(s, name, false);
}

kern_return_t ipc_right_alloc_receive_name(struct ipc_space *s, mach_port_name_t name)
{
    return alloc_receive(s, &name, true);
}

static kern_return_t alloc_pset(struct ipc_space *s, mach_port_name_t *name, bool chosen)
{
    struct ipc_pset *ps = ipc_pset_alloc();
    if (ps == NULL)
        return KERN_RESOURCE_SHORTAGE;
    kern_return_t kr = alloc_object(s, name, chosen, MACH_PORT_TYPE_PORT_SET, ps);
    if (kr != KERN_SUCCESS)
        ipc_pset_destroy(ps);
    return kr;
}

kern_return_t ipc_right_alloc_pset(struct ipc_space *s, mach_port_name_t *name)
{
    return alloc_pset(s, name, false);
}

kern_return_t ipc_right_alloc_pset_name(struct ipc_space *s, mach_port_name_t name)
{
    return alloc_pset(s, &name, true);
}

kern_return_t ipc_right_alloc_dead(struct ipc_space *s, mach_port_name_t *name)
{
    return alloc_object(s, name, false, MACH_PORT_TYPE_DEAD_NAME, NULL);
}

kern_return_t ipc_right_alloc_dead_name(struct ipc_space *s, mach_port_name_t name)
{
    return alloc_object(s, &name, true, MACH_PORT_TYPE_DEAD_NAME, NULL);
}
