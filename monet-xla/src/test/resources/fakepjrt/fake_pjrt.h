/*
 * The PJRT C API structs the fake plugin serves, written from the layout listing in
 * shared/docs/pjrt-c-api.md (PJRT 0.114): only the structs and fields Monet-J's binding uses.
 * Field order and types reproduce the ABI; names are shortened. Opaque handles are the fake's own structs.
 */
#ifndef FAKE_PJRT_H
#define FAKE_PJRT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fake_error fake_error;
typedef struct fake_event fake_event;
typedef struct fake_client fake_client;
typedef struct fake_device fake_device;
typedef struct fake_buffer fake_buffer;
typedef struct fake_loaded fake_loaded;
typedef struct fake_exec fake_exec;

#define HEADER size_t struct_size; void *extension_start;

typedef struct { HEADER fake_error *error; } ErrorDestroyArgs;
typedef struct { HEADER const fake_error *error; const char *message; size_t message_size; } ErrorMessageArgs;
typedef struct { HEADER const fake_error *error; int32_t code; } ErrorGetCodeArgs;
typedef struct {
  HEADER const char *name; size_t name_size; int32_t type;
  union { const char *string_value; int64_t int64_value; const int64_t *int64_array_value; float float_value; bool bool_value; };
  size_t value_size;
} NamedValue;
typedef struct { HEADER } PluginInitializeArgs;
typedef struct { HEADER const NamedValue *attributes; size_t num_attributes; } PluginAttributesArgs;
typedef struct { HEADER fake_event *event; } EventArgs; /* Destroy and Await share this layout */
typedef struct {
  HEADER const NamedValue *create_options; size_t num_options;
  void *kv_get_callback; void *kv_get_user_arg; void *kv_put_callback; void *kv_put_user_arg;
  fake_client *client; void *kv_try_get_callback; void *kv_try_get_user_arg;
} ClientCreateArgs;
typedef fake_error *(*CallbackError)(int32_t code, const char *message, size_t message_size);
typedef struct {
  HEADER const char *key; size_t key_size; int32_t timeout_in_ms; CallbackError *callback_error; void *user_arg;
  char *value; size_t value_size; void (*value_deleter_callback)(char *value);
} KvGetArgs;
typedef struct {
  HEADER const char *key; size_t key_size; CallbackError *callback_error; void *user_arg;
  char *value; size_t value_size; void (*value_deleter_callback)(char *value);
} KvTryGetArgs;
typedef struct { HEADER const char *key; size_t key_size; const char *value; size_t value_size; CallbackError *callback_error; void *user_arg; } KvPutArgs;
typedef fake_error *(*KvGetCallback)(KvGetArgs *args);
typedef fake_error *(*KvTryGetCallback)(KvTryGetArgs *args);
typedef fake_error *(*KvPutCallback)(KvPutArgs *args);
typedef struct { HEADER fake_client *client; } ClientDestroyArgs;
typedef struct { HEADER fake_client *client; const char *text; size_t text_size; } ClientStringArgs; /* PlatformName, PlatformVersion */
typedef struct { HEADER fake_client *client; fake_device *const *devices; size_t num_devices; } ClientDevicesArgs;
typedef struct { HEADER fake_device *device; fake_device *description; } DeviceGetDescriptionArgs; /* a device is its own description */
typedef struct { HEADER fake_device *description; int32_t value; } DeviceIntArgs; /* Id, ProcessIndex; LocalHardwareId takes the device */
typedef struct { HEADER fake_device *description; const char *kind; size_t kind_size; } DeviceKindArgs;
typedef struct {
  HEADER fake_device *device;
  int64_t bytes_in_use; int64_t peak_bytes_in_use; bool peak_bytes_in_use_is_set;
  int64_t num_allocs; bool num_allocs_is_set; int64_t largest_alloc_size; bool largest_alloc_size_is_set;
  int64_t bytes_limit; bool bytes_limit_is_set;
  /* further statistics, up to STRUCT_SIZE 201, are left unset */
} DeviceMemoryStatsArgs;
#define DEVICE_MEMORY_STATS_STRUCT_SIZE 201
typedef struct { HEADER char *code; size_t code_size; const char *format; size_t format_size; } Program;
typedef struct { HEADER fake_client *client; const Program *program; const char *compile_options; size_t compile_options_size; fake_loaded *executable; } ClientCompileArgs;
typedef struct {
  HEADER fake_client *client; const void *data; int32_t type; const int64_t *dims; size_t num_dims;
  const int64_t *byte_strides; size_t num_byte_strides; int32_t host_buffer_semantics;
  fake_device *device; void *memory; void *device_layout; fake_event *done_with_host_buffer; fake_buffer *buffer;
} BufferFromHostArgs;
typedef struct { HEADER fake_buffer *src; void *host_layout; void *dst; size_t dst_size; fake_event *event; } ToHostArgs;
typedef struct { HEADER fake_buffer *buffer; } BufferDestroyArgs;
typedef struct {
  HEADER void *send_callbacks; void *recv_callbacks; size_t num_send_ops; size_t num_recv_ops; int32_t launch_id;
  const int64_t *non_donatable_input_indices; size_t num_non_donatable_input_indices;
  void *context; const char *call_location; size_t num_tasks; int *task_ids; int64_t *incarnation_ids; void *multi_slice_config;
  bool use_major_to_minor_data_layout_for_callbacks; void *hlo_output_callbacks; size_t num_hlo_output_callbacks;
} ExecuteOptions;
#define EXECUTE_OPTIONS_STRUCT_SIZE 144
typedef struct {
  HEADER fake_loaded *executable; ExecuteOptions *options; fake_buffer *const *const *argument_lists;
  size_t num_devices; size_t num_args; fake_buffer **const *output_lists; fake_event **device_complete_events; fake_device *execute_device;
} ExecuteArgs;
typedef struct { HEADER fake_loaded *loaded_executable; fake_exec *executable; } GetExecutableArgs;
typedef struct { HEADER fake_loaded *executable; } LoadedDestroyArgs;
typedef struct { HEADER fake_loaded *executable; fake_device *const *devices; size_t num_devices; } LoadedDevicesArgs;
typedef struct { HEADER fake_exec *executable; } ExecutableDestroyArgs;
typedef struct { HEADER fake_exec *executable; size_t num_outputs; } NumOutputsArgs;

typedef fake_error *(*Fn)(void *args);
typedef struct {
  HEADER
  struct { HEADER int32_t major_version; int32_t minor_version; } version;
  Fn functions[138];
} Api;

#endif
