/*
 * A fake PJRT plugin for testing Monet-J's binding without XLA. It serves the parts of the function table
 * the binding calls, with the behaviours that matter to a client: errors with codes and messages, the
 * struct_size rule (smaller than ours is refused), strict client options, asynchronous host<->device copies
 * whose events fire late (a client that frees or reads host memory early sees garbage), donation, and
 * bookkeeping of every object so a test can check each is destroyed exactly once.
 *
 * Its "compiler" accepts programs whose @main returns some of its arguments and "runs" them by copying, on
 * as many devices (at most FAKE_DEVICES, default 2) as the module's mhlo.num_partitions says: the devices of the
 * compile options' device assignment, in its order (read from the encoded xla.CompileOptionsProto, as XLA does),
 * or the first ones without one. Each device runs on its own argument list (its shards) and gets its own outputs.
 *
 * Several processes: created with num_nodes > 1 and node_id (kInt64, as XLA's CUDA plugin takes them) and the kv
 * callbacks, a client is node node_id of num_nodes, each with FAKE_DEVICES devices: global device g is local device
 * g % FAKE_DEVICES of process g / FAKE_DEVICES. As the GPU plugin does, Client_Create puts its node's topology in
 * the kv store and waits (FAKE_TOPOLOGY_TIMEOUT_MS) for every other node's, failing with an error naming a node that
 * never arrives. Client_Devices then lists every node's devices, Client_AddressableDevices this node's; a program
 * spans global devices, and runs (and takes argument lists) only on those of its devices this node owns.
 * Without the callbacks, node_id and num_nodes are only recorded.
 * Build: gcc -shared -fPIC -pthread [-DFAKE_MINOR=n] [-DFAKE_DEVICES=n] [-DFAKE_TRANSFER_DELAY_MS=n]
 *        [-DFAKE_TOPOLOGY_TIMEOUT_MS=n] fake_pjrt.c -o libfakepjrt.so
 */
#include "fake_pjrt.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef FAKE_MINOR
#define FAKE_MINOR 114
#endif
#ifndef FAKE_DEVICES
#define FAKE_DEVICES 2
#endif
#if FAKE_DEVICES < 1 || FAKE_DEVICES > 8
#error "FAKE_DEVICES must be 1..8"
#endif

enum { LIVE = 0x11FE, DEAD = 0xDEAD };
enum { INVALID_ARGUMENT = 3, NOT_FOUND = 5, FAILED_PRECONDITION = 9, UNIMPLEMENTED = 12 };
#ifndef FAKE_TRANSFER_DELAY_MS
#define FAKE_TRANSFER_DELAY_MS 30
#endif
enum { MAX_ARGS = 1024, TRANSFER_DELAY_MS = FAKE_TRANSFER_DELAY_MS };
#ifndef FAKE_TOPOLOGY_TIMEOUT_MS
#define FAKE_TOPOLOGY_TIMEOUT_MS 30000
#endif
enum { MAX_NODES = 8, MAX_GLOBAL = MAX_NODES * FAKE_DEVICES };

struct fake_error { int magic; int32_t code; char message[512]; };
struct fake_event {
  int magic; pthread_mutex_t mu; pthread_cond_t cv; bool ready; int32_t error_code; pthread_t thread; bool has_thread;
};
struct fake_device { int32_t id; int32_t local; int32_t process; };
struct fake_buffer { int magic; fake_device *device; int32_t type; int64_t dims[8]; size_t num_dims; size_t size; char *data; bool donated; fake_event *ready; };
struct fake_client { int magic; };
/* devices: the program's devices this node owns, in device assignment order. */
struct fake_loaded {
  int magic; size_t num_partitions; size_t num_devices; fake_device *devices[FAKE_DEVICES]; size_t num_args; size_t num_outputs; int outputs[MAX_ARGS];
};
struct fake_exec { int magic; size_t num_outputs; };

static atomic_long stats_initialize, stats_clients, stats_buffers, stats_loaded, stats_execs, stats_events, stats_errors,
    stats_bad_destroys, stats_awaits, stats_donated, stats_orphan_destroys;
/* The topology of the live client: node (process) node_id of num_nodes; one node without several processes. */
static long node_id = 0, num_nodes = 1;
static fake_device devices[MAX_GLOBAL];
static fake_device *global_list[MAX_GLOBAL];
static fake_device *device_list[FAKE_DEVICES]; /* this node's */
static void init_devices(long node, long nodes) {
  node_id = node;
  num_nodes = nodes;
  for (int g = 0; g < nodes * FAKE_DEVICES; g++) { devices[g] = (fake_device){g, g % FAKE_DEVICES, g / FAKE_DEVICES}; global_list[g] = &devices[g]; }
  for (int i = 0; i < FAKE_DEVICES; i++) device_list[i] = &devices[node * FAKE_DEVICES + i];
}
static int num_global(void) { return (int) num_nodes * FAKE_DEVICES; }
static fake_device *device_by_id(int64_t id) { return id >= 0 && id < num_global() ? &devices[id] : NULL; }
static bool is_device(const fake_device *d) { for (int i = 0; i < num_global(); i++) if (d == &devices[i]) return true; return false; }
static char last_program[1 << 20];
static char last_options[4096];
static size_t last_options_size;
static int64_t last_device_assignment[MAX_GLOBAL];
static long last_num_assigned = -1;
static int64_t last_non_donatable[MAX_ARGS];
static long last_num_non_donatable = -1;
static int last_preallocate = -1;
static float last_memory_fraction = -1;
static long last_node_id = -1, last_num_nodes = -1;
static int32_t last_launch_id;
static char kv_report[2048];

/* ---- test hooks, called by the Java tests through java.lang.foreign ---- */
long fake_stat(const char *name) {
  struct { const char *n; atomic_long *v; } all[] = {
      {"initialize", &stats_initialize}, {"clients", &stats_clients}, {"buffers", &stats_buffers}, {"loaded", &stats_loaded},
      {"execs", &stats_execs}, {"events", &stats_events}, {"errors", &stats_errors}, {"bad_destroys", &stats_bad_destroys},
      {"awaits", &stats_awaits}, {"donated", &stats_donated}, {"orphan_destroys", &stats_orphan_destroys}};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) if (strcmp(all[i].n, name) == 0) return atomic_load(all[i].v);
  return -1;
}
const char *fake_last_program(void) { return last_program; }
size_t fake_last_compile_options(char *out, size_t cap) {
  memcpy(out, last_options, last_options_size < cap ? last_options_size : cap);
  return last_options_size;
}
long fake_last_non_donatable(int64_t *out, size_t cap) {
  for (long i = 0; i < last_num_non_donatable && (size_t) i < cap; i++) out[i] = last_non_donatable[i];
  return last_num_non_donatable;
}
long fake_last_device_assignment(int64_t *out, size_t cap) {
  for (long i = 0; i < last_num_assigned && (size_t) i < cap; i++) out[i] = last_device_assignment[i];
  return last_num_assigned;
}
int fake_last_preallocate(void) { return last_preallocate; }
float fake_last_memory_fraction(void) { return last_memory_fraction; }
long fake_last_node_id(void) { return last_node_id; }
long fake_last_num_nodes(void) { return last_num_nodes; }
int32_t fake_last_launch_id(void) { return last_launch_id; }
/* What Client_Create saw when it called the kv callbacks ("" when it was given none). */
const char *fake_kv_report(void) { return kv_report; }

/* ---- errors ---- */
static fake_error *error(int32_t code, const char *fmt, ...) {
  fake_error *e = calloc(1, sizeof *e);
  e->magic = LIVE;
  e->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->message, sizeof e->message, fmt, ap);
  va_end(ap);
  atomic_fetch_add(&stats_errors, 1);
  return e;
}

/* The XLA wrapper's rule: a struct smaller than the plugin's is refused, a larger one accepted. */
#define CHECK_SIZE(args, name, expected) \
  if ((args)->struct_size < (expected)) return error(INVALID_ARGUMENT, "Unexpected " name " size: expected %ld, got %ld", (long) (expected), (long) (args)->struct_size);

static fake_error *Error_Destroy(ErrorDestroyArgs *a) {
  if (a->error->magic != LIVE) { atomic_fetch_add(&stats_bad_destroys, 1); return NULL; }
  a->error->magic = DEAD;
  atomic_fetch_sub(&stats_errors, 1);
  return NULL;
}
static fake_error *Error_Message(ErrorMessageArgs *a) {
  a->message = a->error->message;
  a->message_size = strlen(a->error->message);
  return NULL;
}
static fake_error *Error_GetCode(ErrorGetCodeArgs *a) { a->code = a->error->code; return NULL; }

/* ---- plugin ---- */
static fake_error *Plugin_Initialize(PluginInitializeArgs *a) {
  CHECK_SIZE(a, "PJRT_Plugin_Initialize_Args", 16);
  atomic_fetch_add(&stats_initialize, 1);
  return NULL;
}
static const int64_t stablehlo_version[3] = {1, 9, 3};
static NamedValue attributes[2] = {
    {.struct_size = 56, .name = "xla_version", .name_size = 11, .type = 1, .int64_value = 2, .value_size = 1},
    {.struct_size = 56, .name = "stablehlo_current_version", .name_size = 25, .type = 2, .int64_array_value = stablehlo_version, .value_size = 3},
};
static fake_error *Plugin_Attributes(PluginAttributesArgs *a) {
  a->attributes = attributes;
  a->num_attributes = 2;
  return NULL;
}

/* ---- events: set ready by a worker thread ---- */
static fake_event *event_new(void) {
  fake_event *e = calloc(1, sizeof *e);
  e->magic = LIVE;
  pthread_mutex_init(&e->mu, NULL);
  pthread_cond_init(&e->cv, NULL);
  return e;
}
static void event_set(fake_event *e, int32_t code) {
  pthread_mutex_lock(&e->mu);
  e->ready = true;
  e->error_code = code;
  pthread_cond_broadcast(&e->cv);
  pthread_mutex_unlock(&e->mu);
}
static void event_wait(fake_event *e) {
  pthread_mutex_lock(&e->mu);
  while (!e->ready) pthread_cond_wait(&e->cv, &e->mu);
  pthread_mutex_unlock(&e->mu);
}
static fake_event *client_event(void) { atomic_fetch_add(&stats_events, 1); return event_new(); }

static fake_error *Event_Destroy(EventArgs *a) {
  fake_event *e = a->event;
  if (e->magic != LIVE) { atomic_fetch_add(&stats_bad_destroys, 1); return NULL; }
  event_wait(e);
  if (e->has_thread) pthread_join(e->thread, NULL);
  e->magic = DEAD;
  atomic_fetch_sub(&stats_events, 1);
  return NULL;
}
static fake_error *Event_Await(EventArgs *a) {
  event_wait(a->event);
  atomic_fetch_add(&stats_awaits, 1);
  if (a->event->error_code != 0) return error(a->event->error_code, "fake transfer failed (%d)", a->event->error_code);
  return NULL;
}

static void sleep_ms(int ms) {
  struct timespec t = {0, ms * 1000000L};
  nanosleep(&t, NULL);
}

/* ---- key-value callbacks: exercised once from Client_Create, as a multi-process client exchanges its topology ---- */
static fake_error *callback_error(int32_t code, const char *message, size_t message_size) {
  return error(code, "%.*s", (int) message_size, message);
}
static CallbackError callback_error_fn = callback_error;

/* Appends "what=ok:VALUE" or "what=error:CODE:MESSAGE" to kv_report, taking ownership of error and value. */
static void report(const char *what, fake_error *e, char *value, size_t size, void (*deleter)(char *)) {
  size_t n = strlen(kv_report);
  if (e) {
    snprintf(kv_report + n, sizeof kv_report - n, "%s%s=error:%d:%s", n ? ";" : "", what, e->code, e->message);
    e->magic = DEAD;
    atomic_fetch_sub(&stats_errors, 1);
  } else {
    snprintf(kv_report + n, sizeof kv_report - n, "%s%s=ok:%.*s", n ? ";" : "", what, (int) size, value ? value : "");
    if (value && deleter) deleter(value);
  }
}

static void exercise_kv(ClientCreateArgs *a) {
  kv_report[0] = 0;
  KvPutArgs put = {.key = "fake/topology", .key_size = 13, .value = "node\0data", .value_size = 9, .callback_error = &callback_error_fn,
                   .user_arg = a->kv_put_user_arg};
  report("put", ((KvPutCallback) a->kv_put_callback)(&put), NULL, 0, NULL);
  KvGetArgs get = {.key = "fake/topology", .key_size = 13, .timeout_in_ms = 5000, .callback_error = &callback_error_fn, .user_arg = a->kv_get_user_arg};
  fake_error *e = ((KvGetCallback) a->kv_get_callback)(&get);
  /* The value holds a NUL byte: report its length and the part after it too. */
  char shown[64] = {0};
  if (!e) snprintf(shown, sizeof shown, "%zu:%.4s", get.value_size, get.value_size == 9 ? get.value + 5 : "?");
  report("get", e, e ? NULL : shown, strlen(shown), NULL);
  if (!e && get.value_deleter_callback) get.value_deleter_callback(get.value);
  if (a->kv_try_get_callback) {
    KvTryGetArgs absent = {.key = "fake/absent", .key_size = 11, .callback_error = &callback_error_fn, .user_arg = a->kv_try_get_user_arg};
    report("try_get_absent", ((KvTryGetCallback) a->kv_try_get_callback)(&absent), absent.value, absent.value_size, absent.value_deleter_callback);
  }
  KvGetArgs missing = {.key = "fake/missing", .key_size = 12, .timeout_in_ms = 100, .callback_error = &callback_error_fn, .user_arg = a->kv_get_user_arg};
  report("get_missing", ((KvGetCallback) a->kv_get_callback)(&missing), missing.value, missing.value_size, missing.value_deleter_callback);
}

/* An error the kv callbacks made, given back: the plugin owns it. */
static void drop(fake_error *e) {
  e->magic = DEAD;
  atomic_fetch_sub(&stats_errors, 1);
}

/* As the GPU plugin does: put this node's topology under its key, then wait for every other node's. */
static fake_error *exchange_topology(ClientCreateArgs *a, long node, long nodes) {
  char key[64], mine[64], theirs[64];
  snprintf(key, sizeof key, "fake/topology/%ld", node);
  snprintf(mine, sizeof mine, "nodes=%ld devices=%d", nodes, FAKE_DEVICES);
  KvPutArgs put = {.key = key, .key_size = strlen(key), .value = mine, .value_size = strlen(mine), .callback_error = &callback_error_fn,
                   .user_arg = a->kv_put_user_arg};
  fake_error *e = ((KvPutCallback) a->kv_put_callback)(&put);
  if (e) {
    fake_error *out = error(e->code, "node %ld of %ld could not publish its topology (key %s): %s", node, nodes, key, e->message);
    drop(e);
    return out;
  }
  for (long n = 0; n < nodes; n++) {
    if (n == node) continue;
    snprintf(key, sizeof key, "fake/topology/%ld", n);
    KvGetArgs get = {.key = key, .key_size = strlen(key), .timeout_in_ms = FAKE_TOPOLOGY_TIMEOUT_MS, .callback_error = &callback_error_fn,
                     .user_arg = a->kv_get_user_arg};
    e = ((KvGetCallback) a->kv_get_callback)(&get);
    if (e) {
      fake_error *out = error(e->code, "node %ld of %ld never arrived: its topology (key %s) was not published within %d ms (this is node %ld): %s", n, nodes, key,
                              FAKE_TOPOLOGY_TIMEOUT_MS, node, e->message);
      drop(e);
      return out;
    }
    size_t size = get.value_size < sizeof theirs - 1 ? get.value_size : sizeof theirs - 1;
    memcpy(theirs, get.value, size);
    theirs[size] = 0;
    if (get.value_deleter_callback) get.value_deleter_callback(get.value);
    if (strcmp(theirs, mine) != 0) return error(FAILED_PRECONDITION, "node %ld published topology '%s', but node %ld has '%s'", n, theirs, node, mine);
  }
  return NULL;
}

/* ---- client ---- */
static fake_error *Client_Create(ClientCreateArgs *a) {
  CHECK_SIZE(a, "PJRT_Client_Create_Args", 88);
  long node = -1, nodes = -1;
  for (size_t i = 0; i < a->num_options; i++) {
    const NamedValue *v = &a->create_options[i];
    if (v->struct_size < 56) return error(INVALID_ARGUMENT, "Unexpected PJRT_NamedValue size: expected 56, got %ld", (long) v->struct_size);
    char name[128] = {0};
    memcpy(name, v->name, v->name_size < 127 ? v->name_size : 127);
    if (strcmp(name, "preallocate") == 0) {
      if (v->type != 4) return error(INVALID_ARGUMENT, "Option %s has type index %d but expected type index is 4", name, v->type);
      last_preallocate = v->bool_value;
    } else if (strcmp(name, "memory_fraction") == 0) {
      if (v->type != 3) return error(INVALID_ARGUMENT, "Option %s has type index %d but expected type index is 3", name, v->type);
      last_memory_fraction = v->float_value;
    } else if (strcmp(name, "node_id") == 0 || strcmp(name, "num_nodes") == 0) {
      if (v->type != 1) return error(INVALID_ARGUMENT, "Option %s has type index %d but expected type index is 1", name, v->type);
      if (name[1] == 'o') last_node_id = node = v->int64_value; else last_num_nodes = nodes = v->int64_value;
    } else {
      return error(INVALID_ARGUMENT, "Unexpected option name passed to PJRT_Client_Create: %s", name);
    }
  }
  bool kv = a->kv_get_callback && a->kv_put_callback;
  kv_report[0] = 0;
  if (kv && nodes > 1) {
    if (nodes > MAX_NODES || node < 0 || node >= nodes) return error(INVALID_ARGUMENT, "node_id %ld of num_nodes %ld: the fake plugin runs nodes 0..n-1 of at most %d", node, nodes, MAX_NODES);
    fake_error *e = exchange_topology(a, node, nodes);
    if (e) return e;
    init_devices(node, nodes);
  } else {
    if (kv) exercise_kv(a);
    init_devices(0, 1);
  }
  fake_client *c = calloc(1, sizeof *c);
  c->magic = LIVE;
  a->client = c;
  atomic_fetch_add(&stats_clients, 1);
  return NULL;
}
static fake_error *Client_Destroy(ClientDestroyArgs *a) {
  if (a->client->magic != LIVE) { atomic_fetch_add(&stats_bad_destroys, 1); return NULL; }
  a->client->magic = DEAD;
  atomic_fetch_sub(&stats_clients, 1);
  return NULL;
}
static fake_error *Client_PlatformName(ClientStringArgs *a) { a->text = "fake"; a->text_size = 4; return NULL; }
static fake_error *Client_PlatformVersion(ClientStringArgs *a) { a->text = "fake 0.1"; a->text_size = 8; return NULL; }
static fake_error *Client_Devices(ClientDevicesArgs *a) { a->devices = global_list; a->num_devices = num_global(); return NULL; }
static fake_error *Client_AddressableDevices(ClientDevicesArgs *a) { a->devices = device_list; a->num_devices = FAKE_DEVICES; return NULL; }

/* ---- devices ---- */
static fake_error *Device_GetDescription(DeviceGetDescriptionArgs *a) { a->description = a->device; return NULL; }
static fake_error *DeviceDescription_Id(DeviceIntArgs *a) { a->value = a->description->id; return NULL; }
static fake_error *DeviceDescription_ProcessIndex(DeviceIntArgs *a) { a->value = a->description->process; return NULL; }
static fake_error *DeviceDescription_Kind(DeviceKindArgs *a) { a->kind = "Fake Accelerator"; a->kind_size = 16; return NULL; }
static fake_error *Device_LocalHardwareId(DeviceIntArgs *a) { a->value = a->description->local; return NULL; }
static atomic_long bytes_in_use;
static fake_error *Device_MemoryStats(DeviceMemoryStatsArgs *a) {
  CHECK_SIZE(a, "PJRT_Device_MemoryStats_Args", DEVICE_MEMORY_STATS_STRUCT_SIZE);
  a->bytes_in_use = atomic_load(&bytes_in_use);
  a->bytes_limit = 1L << 30;
  a->bytes_limit_is_set = true;
  return NULL;
}

/* ---- buffers ---- */
static size_t element_size(int32_t type) {
  switch (type) {
    case 1: return 1;              /* PRED */
    case 4: case 11: return 4;     /* S32, F32 */
    case 5: case 12: return 8;     /* S64, F64 */
    case 10: case 13: return 2;    /* F16, BF16 */
    default: return 0;
  }
}
/* ready: the event after which the buffer's contents are valid. */
static fake_buffer *buffer_new(fake_device *device, int32_t type, const int64_t *dims, size_t num_dims, fake_event *ready) {
  fake_buffer *b = calloc(1, sizeof *b);
  b->magic = LIVE;
  b->device = device;
  b->type = type;
  b->num_dims = num_dims;
  b->size = element_size(type);
  for (size_t i = 0; i < num_dims; i++) { b->dims[i] = dims[i]; b->size *= (size_t) dims[i]; }
  b->data = malloc(b->size ? b->size : 1);
  b->ready = ready;
  atomic_fetch_add(&stats_buffers, 1);
  atomic_fetch_add(&bytes_in_use, (long) b->size);
  return b;
}

struct copy_job { void *dst; const void *src; size_t size; fake_event *wait_for; fake_event *done; };
static void *copy_later(void *p) {
  struct copy_job *j = p;
  if (j->wait_for) event_wait(j->wait_for);
  sleep_ms(TRANSFER_DELAY_MS); /* the copy happens well after the call returned */
  memcpy(j->dst, j->src, j->size);
  event_set(j->done, 0);
  free(j);
  return NULL;
}
static void copy_async(void *dst, const void *src, size_t size, fake_event *wait_for, fake_event *done, fake_event *owner) {
  struct copy_job *j = malloc(sizeof *j);
  *j = (struct copy_job){dst, src, size, wait_for, done};
  pthread_create(&owner->thread, NULL, copy_later, j);
  owner->has_thread = true;
}

static fake_error *Client_BufferFromHostBuffer(BufferFromHostArgs *a) {
  CHECK_SIZE(a, "PJRT_Client_BufferFromHostBuffer_Args", 120);
  if (element_size(a->type) == 0) return error(INVALID_ARGUMENT, "unsupported PJRT_Buffer_Type %d", a->type);
  if (a->byte_strides != NULL) return error(UNIMPLEMENTED, "fake plugin takes dense host buffers only");
  if (a->num_dims > 8) return error(INVALID_ARGUMENT, "rank %zu too high", a->num_dims);
  if (!is_device(a->device)) return error(INVALID_ARGUMENT, "unknown device");
  if (a->device->process != node_id) return error(INVALID_ARGUMENT, "device %d belongs to process %d, not to this process (%ld)", a->device->id, a->device->process, node_id);
  /* One worker fills the buffer from host memory late; done_with_host_buffer is also the buffer's ready event. */
  fake_event *done = client_event();
  fake_buffer *b = buffer_new(a->device, a->type, a->dims, a->num_dims, done);
  copy_async(b->data, a->data, b->size, NULL, done, done);
  a->buffer = b;
  a->done_with_host_buffer = done;
  return NULL;
}
static fake_error *Buffer_ToHostBuffer(ToHostArgs *a) {
  CHECK_SIZE(a, "PJRT_Buffer_ToHostBuffer_Args", 56);
  fake_buffer *b = a->src;
  if (b->magic != LIVE || b->donated) return error(FAILED_PRECONDITION, "buffer was deleted or donated");
  if (a->dst == NULL) { a->dst_size = b->size; return NULL; }
  if (a->dst_size < b->size) return error(INVALID_ARGUMENT, "dst_size too small: need %zu", b->size);
  fake_event *e = client_event();
  copy_async(a->dst, b->data, b->size, b->ready, e, e);
  a->event = e;
  return NULL;
}
static fake_error *Buffer_Destroy(BufferDestroyArgs *a) {
  fake_buffer *b = a->buffer;
  if (b->magic != LIVE) { atomic_fetch_add(&stats_bad_destroys, 1); return NULL; }
  /* Tests hold one client at a time: a buffer destroyed with none live outlived its client (a use after free in a real plugin). */
  if (atomic_load(&stats_clients) == 0) atomic_fetch_add(&stats_orphan_destroys, 1);
  event_wait(b->ready);
  b->magic = DEAD;
  atomic_fetch_sub(&stats_buffers, 1);
  atomic_fetch_sub(&bytes_in_use, (long) b->size);
  return NULL;
}

/* ---- compile options: just enough proto3 wire format to read num_partitions and the device assignment ---- */
typedef struct { const uint8_t *p; size_t n; } bytes;
static bool read_varint(bytes *m, uint64_t *v) {
  *v = 0;
  for (int shift = 0; shift < 64 && m->n > 0; shift += 7) {
    uint8_t b = *m->p++;
    m->n--;
    *v |= (uint64_t) (b & 0x7F) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}
/* The next field of a message: its number, wire type, and its varint value or length-delimited bytes. */
static bool next_field(bytes *m, int *field, int *wire, uint64_t *value, bytes *sub) {
  uint64_t tag, len;
  if (m->n == 0 || !read_varint(m, &tag)) return false;
  *field = (int) (tag >> 3);
  *wire = (int) (tag & 7);
  switch (*wire) {
    case 0: return read_varint(m, value);
    case 1: case 5: {
      size_t k = *wire == 1 ? 8 : 4;
      if (m->n < k) return false;
      m->p += k; m->n -= k;
      return true;
    }
    case 2:
      if (!read_varint(m, &len) || len > m->n) return false;
      *sub = (bytes){m->p, (size_t) len};
      m->p += len; m->n -= len;
      return true;
    default: return false;
  }
}
/* ExecutableBuildOptionsProto (field 3): num_partitions (5) and DeviceAssignmentProto (9), one device id per
 * ComputationDevice (3) of the single replica (replica_device_ids, 1, packed or not). Returns the ids read. */
static long parse_options(const char *options, size_t size, int64_t *ids, long cap, int64_t *num_partitions) {
  bytes top = {(const uint8_t *) options, size}, build = {0}, sub, da = {0};
  int field, wire;
  uint64_t v;
  long n = -1;
  *num_partitions = -1;
  while (next_field(&top, &field, &wire, &v, &sub)) if (field == 3 && wire == 2) build = sub;
  while (next_field(&build, &field, &wire, &v, &sub)) {
    if (field == 5 && wire == 0) *num_partitions = (int64_t) v;
    if (field == 9 && wire == 2) { da = sub; n = 0; }
  }
  while (next_field(&da, &field, &wire, &v, &sub)) {
    if (field != 3 || wire != 2) continue;
    bytes cd = sub, packed;
    while (next_field(&cd, &field, &wire, &v, &packed)) {
      if (field != 1) continue;
      if (wire == 0) { if (n < cap) ids[n] = (int64_t) v; n++; }
      while (wire == 2 && packed.n > 0 && read_varint(&packed, &v)) { if (n < cap) ids[n] = (int64_t) v; n++; }
    }
  }
  return n;
}

/* ---- compile: @main must return only its own arguments ---- */
static fake_error *Client_Compile(ClientCompileArgs *a) {
  CHECK_SIZE(a, "PJRT_Client_Compile_Args", 56);
  CHECK_SIZE(a->program, "PJRT_Program", 48);
  if (a->program->format_size != 4 || memcmp(a->program->format, "mlir", 4) != 0)
    return error(INVALID_ARGUMENT, "Unknown program format '%.*s'", (int) a->program->format_size, a->program->format);
  size_t n = a->program->code_size < sizeof last_program - 1 ? a->program->code_size : sizeof last_program - 1;
  memcpy(last_program, a->program->code, n);
  last_program[n] = 0;
  last_options_size = a->compile_options_size < sizeof last_options ? a->compile_options_size : sizeof last_options;
  memcpy(last_options, a->compile_options, last_options_size);
  if (strstr(last_program, "fake.fail")) return error(INVALID_ARGUMENT, "fake compiler refuses fake.fail");
  const char *main = strstr(last_program, "@main(");
  const char *ret = strstr(last_program, "\"func.return\"(");
  if (!main || !ret) return error(INVALID_ARGUMENT, "no @main or func.return in the program");
  fake_loaded *l = calloc(1, sizeof *l);
  const char *partitions = strstr(last_program, "mhlo.num_partitions = ");
  size_t wanted = partitions ? (size_t) atoi(partitions + 22) : 1;
  l->num_partitions = wanted;
  if (wanted < 1 || wanted > (size_t) num_global()) {
    free(l);
    return error(INVALID_ARGUMENT, "the fake plugin has %d devices, the program needs %zu", num_global(), wanted);
  }
  int64_t num_partitions;
  last_num_assigned = parse_options(a->compile_options, a->compile_options_size, last_device_assignment, MAX_GLOBAL, &num_partitions);
  if (num_partitions >= 1 && (size_t) num_partitions != wanted) {
    free(l);
    return error(INVALID_ARGUMENT, "compile options ask for %ld partitions, the module for %zu", (long) num_partitions, wanted);
  }
  if (last_num_assigned >= 0 && (size_t) last_num_assigned != wanted) {
    free(l);
    return error(INVALID_ARGUMENT, "the device assignment lists %ld devices for %zu partitions", last_num_assigned, wanted);
  }
  for (size_t d = 0; d < wanted; d++) {
    fake_device *device = last_num_assigned >= 0 ? device_by_id(last_device_assignment[d]) : global_list[d];
    if (device == NULL) {
      long id = (long) last_device_assignment[d];
      free(l);
      return error(INVALID_ARGUMENT, "device id %ld of the device assignment is not a device of this client", id);
    }
    for (size_t e = 0; e < d; e++) {
      if (last_num_assigned >= 0 && last_device_assignment[e] == device->id) {
        free(l);
        return error(INVALID_ARGUMENT, "device %d appears twice in the device assignment", device->id);
      }
    }
    if (device->process == node_id) l->devices[l->num_devices++] = device;
  }
  const char *signature_end = strstr(main, ") ->");
  for (const char *p = main; (p = strstr(p, "%arg")) && p < signature_end; p++) l->num_args++;
  for (const char *p = ret + 14; *p && *p != ')'; p++) {
    if (strncmp(p, "%arg", 4) == 0) {
      l->outputs[l->num_outputs++] = atoi(p + 4);
      p += 4;
    } else if (*p == '%') {
      free(l);
      return error(UNIMPLEMENTED, "the fake plugin runs only programs that return their arguments");
    }
  }
  l->magic = LIVE;
  a->executable = l;
  atomic_fetch_add(&stats_loaded, 1);
  return NULL;
}
static fake_error *LoadedExecutable_Destroy(LoadedDestroyArgs *a) {
  if (a->executable->magic != LIVE) { atomic_fetch_add(&stats_bad_destroys, 1); return NULL; }
  if (atomic_load(&stats_clients) == 0) atomic_fetch_add(&stats_orphan_destroys, 1);
  a->executable->magic = DEAD;
  atomic_fetch_sub(&stats_loaded, 1);
  return NULL;
}
static fake_error *LoadedExecutable_GetExecutable(GetExecutableArgs *a) {
  fake_exec *e = calloc(1, sizeof *e);
  e->magic = LIVE;
  e->num_outputs = a->loaded_executable->num_outputs;
  a->executable = e;
  atomic_fetch_add(&stats_execs, 1);
  return NULL;
}
static fake_error *LoadedExecutable_AddressableDevices(LoadedDevicesArgs *a) {
  a->devices = a->executable->devices;
  a->num_devices = a->executable->num_devices;
  return NULL;
}
static fake_error *Executable_NumOutputs(NumOutputsArgs *a) { a->num_outputs = a->executable->num_outputs; return NULL; }
static fake_error *Executable_Destroy(ExecutableDestroyArgs *a) {
  if (a->executable->magic != LIVE) { atomic_fetch_add(&stats_bad_destroys, 1); return NULL; }
  a->executable->magic = DEAD;
  atomic_fetch_sub(&stats_execs, 1);
  return NULL;
}

/* ---- execute: outputs are copies of the returned arguments; donated arguments are consumed ---- */
static fake_error *LoadedExecutable_Execute(ExecuteArgs *a) {
  CHECK_SIZE(a, "PJRT_LoadedExecutable_Execute_Args", 80);
  if (a->options == NULL) return error(INVALID_ARGUMENT, "options must not be NULL");
  CHECK_SIZE(a->options, "PJRT_ExecuteOptions", EXECUTE_OPTIONS_STRUCT_SIZE);
  fake_loaded *l = a->executable;
  if (a->num_devices != l->num_devices)
    return error(INVALID_ARGUMENT, "executable runs on %zu devices of this process (%zu partitions over %ld processes), got argument lists for %zu", l->num_devices,
                 l->num_partitions, num_nodes, a->num_devices);
  if (a->num_args != l->num_args) return error(INVALID_ARGUMENT, "expected %zu arguments, got %zu", l->num_args, a->num_args);
  for (size_t d = 0; d < a->num_devices; d++) {
    for (size_t i = 0; i < a->num_args; i++) {
      fake_buffer *b = a->argument_lists[d][i];
      if (b->magic != LIVE || b->donated) return error(FAILED_PRECONDITION, "argument %zu of device %zu was deleted or donated", i, d);
      if (b->device != l->devices[d]) return error(INVALID_ARGUMENT, "argument %zu of device %zu lives on device %d", i, d, b->device->id);
    }
  }
  last_launch_id = a->options->launch_id;
  last_num_non_donatable = (long) a->options->num_non_donatable_input_indices;
  bool keep[MAX_ARGS] = {false};
  for (size_t i = 0; i < a->options->num_non_donatable_input_indices && i < MAX_ARGS; i++) {
    last_non_donatable[i] = a->options->non_donatable_input_indices[i];
    keep[a->options->non_donatable_input_indices[i]] = true;
  }
  for (size_t d = 0; d < a->num_devices; d++) {
    fake_buffer *const *args = a->argument_lists[d];
    for (size_t o = 0; o < l->num_outputs; o++) {
      fake_buffer *src = args[l->outputs[o]];
      event_wait(src->ready);
      fake_event *ready = event_new();
      fake_buffer *b = buffer_new(l->devices[d], src->type, src->dims, src->num_dims, ready);
      memcpy(b->data, src->data, src->size);
      event_set(ready, 0);
      a->output_lists[d][o] = b;
    }
    for (size_t i = 0; i < a->num_args; i++) {
      if (!keep[i]) { args[i]->donated = true; atomic_fetch_add(&stats_donated, 1); }
    }
  }
  if (a->device_complete_events)
    for (size_t d = 0; d < a->num_devices; d++) a->device_complete_events[d] = NULL;
  return NULL;
}

static Api api;
/* Two extension headers (Layouts = 4, Shardings = 19), listed by clients but never called. */
typedef struct ExtensionBase { size_t struct_size; int32_t type; struct ExtensionBase *next; } ExtensionBase;
static ExtensionBase shardings = {24, 19, NULL};
static ExtensionBase layouts = {24, 4, &shardings};

const Api *GetPjrtApi(void) {
  if (atomic_load(&stats_clients) == 0) init_devices(0, 1); /* a live client keeps its topology */
  api.struct_size = sizeof(Api);
  api.extension_start = &layouts;
  api.version.struct_size = 24;
  api.version.major_version = 0;
  api.version.minor_version = FAKE_MINOR;
  Fn *f = api.functions;
  f[0] = (Fn) Error_Destroy; f[1] = (Fn) Error_Message; f[2] = (Fn) Error_GetCode;
  f[3] = (Fn) Plugin_Initialize; f[4] = (Fn) Plugin_Attributes;
  f[5] = (Fn) Event_Destroy; f[8] = (Fn) Event_Await;
  f[10] = (Fn) Client_Create; f[11] = (Fn) Client_Destroy; f[12] = (Fn) Client_PlatformName;
  f[14] = (Fn) Client_PlatformVersion; f[15] = (Fn) Client_Devices; f[16] = (Fn) Client_AddressableDevices;
  f[20] = (Fn) Client_Compile; f[22] = (Fn) Client_BufferFromHostBuffer;
  f[23] = (Fn) DeviceDescription_Id; f[24] = (Fn) DeviceDescription_ProcessIndex; f[26] = (Fn) DeviceDescription_Kind;
  f[29] = (Fn) Device_GetDescription; f[31] = (Fn) Device_LocalHardwareId; f[34] = (Fn) Device_MemoryStats;
  f[40] = (Fn) Executable_Destroy; f[44] = (Fn) Executable_NumOutputs;
  f[50] = (Fn) LoadedExecutable_Destroy; f[51] = (Fn) LoadedExecutable_GetExecutable;
  f[52] = (Fn) LoadedExecutable_AddressableDevices; f[55] = (Fn) LoadedExecutable_Execute;
  f[58] = (Fn) Buffer_Destroy; f[70] = (Fn) Buffer_ToHostBuffer;
  return &api;
}
