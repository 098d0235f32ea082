/* SPDX-License-Identifier: MIT */
/*
 * Intrusive circular doubly-linked lists.  A `struct list` is both the head
 * of a list and the link embedded in each element; an empty head points at
 * itself.  The list never allocates: whoever owns the lock over the head owns
 * the links of the elements on it.
 */
#ifndef _KERN_LIST_H_
#define _KERN_LIST_H_

#include <kern/types.h>

struct list {
    struct list *next;
    struct list *prev;
};

#define LIST_INITIALIZER(head) { &(head), &(head) }

static inline void list_init(struct list *head)
{
    head->next = head;
    head->prev = head;
}

static inline bool list_empty(const struct list *head)
{
    return head->next == head;
}

/* Link `node` between two adjacent nodes. */
static inline void list_link(struct list *node, struct list *prev,
                             struct list *next)
{
    node->prev = prev;
    node->next = next;
    prev->next = node;
    next->prev = node;
}

static inline void list_insert_head(struct list *head, struct list *node)
{
    list_link(node, head, head->next);
}

static inline void list_insert_tail(struct list *head, struct list *node)
{
    list_link(node, head->prev, head);
}

/* Unlink `node`; it is left pointing at itself, so a second remove is harmless. */
static inline void list_remove(struct list *node)
{
    node->prev->next = node->next;
    node->next->prev = node->prev;
    list_init(node);
}

static inline struct list *list_first(const struct list *head)
{
    return list_empty(head) ? NULL : head->next;
}

#define list_entry(node, type, member) container_of(node, type, member)

#define list_for_each(head, it) \
    for (struct list *it = (head)->next; it != (head); it = it->next)

/* Safe against removal of `it` inside the loop body. */
#define list_for_each_safe(head, it, tmp) \
    for (struct list *it = (head)->next, *tmp = it->next; it != (head); \
         it = tmp, tmp = it->next)

#endif /* _KERN_LIST_H_ */
