/* SPDX-License-Identifier: MIT */
/*
 * The kernel routines behind the MIG-generated servers (serverprefix S_).
 * Each must match the declaration MIG writes inside its stub: this header
 * is also seen by the generated files (through kern/ipc_kserver.h), so a
 * mismatch stops the build.
 */
#ifndef _KERN_MIG_SERVERS_H_
#define _KERN_MIG_SERVERS_H_

#include <mach/mach_types.h>
#include <mach/mig_errors.h>
#include <mach/rvmach_device.h>

struct ipc_port;
typedef struct ipc_port *ipc_port_t;


/* mach.defs */
kern_return_t S_task_create(task_t target_task, boolean_t inherit_memory,
                            task_t *child_task);
kern_return_t S_task_terminate(task_t target_task);
kern_return_t S_task_threads(task_t target_task, thread_array_t *thread_list,
                             mach_msg_type_number_t *thread_listCnt);
kern_return_t S_task_info(task_t target_task, int32_t flavor, task_info_t task_info_out,
                          mach_msg_type_number_t *task_info_outCnt);
kern_return_t S_task_suspend(task_t target_task);
kern_return_t S_task_resume(task_t target_task);
kern_return_t S_task_get_special_port(task_t task, int32_t which_port,
                                      ipc_port_t *special_port);
kern_return_t S_task_set_special_port(task_t task, int32_t which_port,
                                      ipc_port_t special_port);
kern_return_t S_thread_create(task_t parent_task, thread_t *child_thread);
kern_return_t S_thread_terminate(thread_t target_thread);
kern_return_t S_thread_get_state(thread_t target_thread, int32_t flavor,
                                 thread_state_t old_state,
                                 mach_msg_type_number_t *old_stateCnt);
kern_return_t S_thread_set_state(thread_t target_thread, int32_t flavor,
                                 const thread_state_t new_state,
                                 mach_msg_type_number_t new_stateCnt);
kern_return_t S_thread_suspend(thread_t target_thread);
kern_return_t S_thread_resume(thread_t target_thread);
kern_return_t S_thread_info(thread_t target_thread, int32_t flavor,
                            thread_info_t thread_info_out,
                            mach_msg_type_number_t *thread_info_outCnt);
kern_return_t S_thread_get_special_port(thread_t thread, int32_t which_port,
                                        ipc_port_t *special_port);
kern_return_t S_thread_set_special_port(thread_t thread, int32_t which_port,
                                        ipc_port_t special_port);
kern_return_t S_vm_allocate(vm_map_t target_task, vm_address_t *address, vm_size_t size,
                            boolean_t anywhere);
kern_return_t S_vm_deallocate(vm_map_t target_task, vm_address_t address, vm_size_t size);
kern_return_t S_vm_protect(vm_map_t target_task, vm_address_t address, vm_size_t size,
                           boolean_t set_maximum, vm_prot_t new_protection);
kern_return_t S_vm_inherit(vm_map_t target_task, vm_address_t address, vm_size_t size,
                           vm_inherit_t new_inheritance);
kern_return_t S_vm_read(vm_map_t target_task, vm_address_t address, vm_size_t size,
                        vm_offset_t *data, mach_msg_type_number_t *dataCnt);
kern_return_t S_vm_write(vm_map_t target_task, vm_address_t address, vm_offset_t data,
                         mach_msg_type_number_t dataCnt);
kern_return_t S_vm_copy(vm_map_t target_task, vm_address_t source_address, vm_size_t size,
                        vm_address_t dest_address);
kern_return_t S_vm_region(vm_map_t target_task, vm_address_t *address, vm_size_t *size,
                          vm_prot_t *protection, vm_prot_t *max_protection,
                          vm_inherit_t *inheritance, boolean_t *is_shared,
                          vm_offset_t *offset);

/* mach_port.defs */
kern_return_t S_mach_port_names(ipc_space_t task, mach_port_name_array_t *names,
                                mach_msg_type_number_t *namesCnt,
                                mach_port_type_array_t *types,
                                mach_msg_type_number_t *typesCnt);
kern_return_t S_mach_port_type(ipc_space_t task, mach_port_name_t name,
                               mach_port_type_t *ptype);
kern_return_t S_mach_port_allocate_name(ipc_space_t task, mach_port_right_t right,
                                        mach_port_name_t name);
kern_return_t S_mach_port_allocate(ipc_space_t task, mach_port_right_t right,
                                   mach_port_name_t *name);
kern_return_t S_mach_port_destroy(ipc_space_t task, mach_port_name_t name);
kern_return_t S_mach_port_deallocate(ipc_space_t task, mach_port_name_t name);
kern_return_t S_mach_port_get_refs(ipc_space_t task, mach_port_name_t name,
                                   mach_port_right_t right, mach_port_urefs_t *refs);
kern_return_t S_mach_port_mod_refs(ipc_space_t task, mach_port_name_t name,
                                   mach_port_right_t right, mach_port_delta_t delta);
kern_return_t S_mach_port_get_receive_status(ipc_space_t task, mach_port_name_t name,
                                             mach_port_status_t *status);
kern_return_t S_mach_port_set_qlimit(ipc_space_t task, mach_port_name_t name,
                                     mach_port_msgcount_t qlimit);
kern_return_t S_mach_port_get_set_status(ipc_space_t task, mach_port_name_t name,
                                         mach_port_name_array_t *members,
                                         mach_msg_type_number_t *membersCnt);
kern_return_t S_mach_port_move_member(ipc_space_t task, mach_port_name_t member,
                                      mach_port_name_t after);
kern_return_t S_mach_port_request_notification(ipc_space_t task, mach_port_name_t name,
                                               mach_msg_id_t id, mach_port_mscount_t sync,
                                               ipc_port_t notify, ipc_port_t *previous);
kern_return_t S_mach_port_insert_right(ipc_space_t task, mach_port_name_t name,
                                       ipc_port_t poly, mach_msg_type_name_t polyPoly);
kern_return_t S_mach_port_extract_right(ipc_space_t task, mach_port_name_t name,
                                        mach_msg_type_name_t msgt_name, ipc_port_t *poly,
                                        mach_msg_type_name_t *polyPoly);

/* mach_host.defs */
kern_return_t S_host_info(host_t host, int32_t flavor, host_info_t host_info_out,
                          mach_msg_type_number_t *host_info_outCnt);
kern_return_t S_host_reboot(host_t host_priv, int32_t options);

/* rvmach_host.defs */
kern_return_t S_task_set_name(task_t task, const_kernel_name_t name);
kern_return_t S_task_get_name(task_t task, kernel_name_t name);
kern_return_t S_host_kernel_stats(host_t host, stats_array_t stats,
                                  mach_msg_type_number_t *statsCnt);
kern_return_t S_host_tasks(host_t host_priv, task_array_t *tasks,
                           mach_msg_type_number_t *tasksCnt);
kern_return_t S_host_zone_info(host_t host, uint32_t index, kernel_name_t name,
                               stats_array_t info, mach_msg_type_number_t *infoCnt);
kern_return_t S_mach_port_info(ipc_space_t space, mach_port_name_t name, stats_array_t info,
                               mach_msg_type_number_t *infoCnt);
kern_return_t S_vm_region_info(vm_map_t map, vm_address_t *address, stats_array_t info,
                               mach_msg_type_number_t *infoCnt);

/* rvmach_device.defs */
kern_return_t S_device_info(host_t host_priv, device_info_t *info);
kern_return_t S_device_map(host_t host_priv, vm_map_t task, vm_offset_t phys, vm_size_t size,
                           vm_address_t *addr);
kern_return_t S_device_intr_attach(host_t host_priv, task_t task, uint32_t irq, ipc_port_t port);
kern_return_t S_device_intr_ack(host_t host_priv, uint32_t irq);
kern_return_t S_device_intr_detach(host_t host_priv, uint32_t irq);
kern_return_t S_device_dma_alloc(host_t host_priv, vm_map_t task, vm_size_t size,
                                 vm_address_t *addr, vm_offset_t *phys);

#endif /* _KERN_MIG_SERVERS_H_ */
