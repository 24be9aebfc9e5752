package monetj.xla.pjrt;

/**
 * Byte offsets and {@code struct_size} values of the PJRT C API argument structs this binding uses (x86-64 /
 * aarch64 LP64). One nested class per C struct: {@code C} is the C name, {@code STRUCT_SIZE} the value sent in
 * {@code struct_size} (offset of the last field plus its size, which is not always {@code sizeof}), every
 * other constant the offset of the C field of the same name. Layouts are those of PJRT 0.114: plugins accept
 * a larger {@code struct_size} than their own and reject a smaller one, so the newest layout is the safe one.
 * PjrtStructsTest checks every constant against numbers generated from the real header.
 */
final class PjrtStructs {
    private PjrtStructs() {}

    /** Every args struct begins with these two fields. */
    static final long STRUCT_SIZE_FIELD = 0, EXTENSION_START_FIELD = 8;

    static final class Api {
        static final String C = "PJRT_Api";
        static final long PJRT_API_VERSION = 16;
        /** Offset of function slot 0; slot s is at FUNCTIONS + 8 s. */
        static final long FUNCTIONS = 40;
    }

    static final class ApiVersion {
        static final String C = "PJRT_Api_Version";
        static final long MAJOR_VERSION = 16, MINOR_VERSION = 20;
    }

    static final class ErrorDestroyArgs {
        static final String C = "PJRT_Error_Destroy_Args";
        static final long STRUCT_SIZE = 24, ERROR = 16;
    }

    static final class ErrorMessageArgs {
        static final String C = "PJRT_Error_Message_Args";
        static final long STRUCT_SIZE = 40, ERROR = 16, MESSAGE = 24, MESSAGE_SIZE = 32;
    }

    static final class ErrorGetCodeArgs {
        static final String C = "PJRT_Error_GetCode_Args";
        static final long STRUCT_SIZE = 28, ERROR = 16, CODE = 24;
    }

    static final class NamedValue {
        static final String C = "PJRT_NamedValue";
        static final long STRUCT_SIZE = 56, NAME = 16, NAME_SIZE = 24, TYPE = 32, STRING_VALUE = 40, INT64_VALUE = 40,
                INT64_ARRAY_VALUE = 40, FLOAT_VALUE = 40, BOOL_VALUE = 40, VALUE_SIZE = 48;
        /** Array stride: sizeof, which equals STRUCT_SIZE here. */
        static final long SIZEOF = 56;
        static final int TYPE_STRING = 0, TYPE_INT64 = 1, TYPE_INT64_LIST = 2, TYPE_FLOAT = 3, TYPE_BOOL = 4;
    }

    static final class PluginInitializeArgs {
        static final String C = "PJRT_Plugin_Initialize_Args";
        static final long STRUCT_SIZE = 16;
    }

    static final class PluginAttributesArgs {
        static final String C = "PJRT_Plugin_Attributes_Args";
        static final long STRUCT_SIZE = 32, ATTRIBUTES = 16, NUM_ATTRIBUTES = 24;
    }

    static final class EventDestroyArgs {
        static final String C = "PJRT_Event_Destroy_Args";
        static final long STRUCT_SIZE = 24, EVENT = 16;
    }

    static final class EventAwaitArgs {
        static final String C = "PJRT_Event_Await_Args";
        static final long STRUCT_SIZE = 24, EVENT = 16;
    }

    static final class ClientCreateArgs {
        static final String C = "PJRT_Client_Create_Args";
        static final long STRUCT_SIZE = 88, CREATE_OPTIONS = 16, NUM_OPTIONS = 24, CLIENT = 64;
        static final long KV_GET_CALLBACK = 32, KV_GET_USER_ARG = 40, KV_PUT_CALLBACK = 48, KV_PUT_USER_ARG = 56, KV_TRY_GET_CALLBACK = 72,
                KV_TRY_GET_USER_ARG = 80;
    }

    /** Filled by the plugin for the kv_get callback; struct_size and extension_start are left unset by it. */
    static final class KeyValueGetCallbackArgs {
        static final String C = "PJRT_KeyValueGetCallback_Args";
        static final long STRUCT_SIZE = 80, KEY = 16, KEY_SIZE = 24, TIMEOUT_IN_MS = 32, CALLBACK_ERROR = 40, USER_ARG = 48, VALUE = 56,
                VALUE_SIZE = 64, VALUE_DELETER_CALLBACK = 72;
    }

    static final class KeyValueTryGetCallbackArgs {
        static final String C = "PJRT_KeyValueTryGetCallback_Args";
        static final long STRUCT_SIZE = 72, KEY = 16, KEY_SIZE = 24, CALLBACK_ERROR = 32, USER_ARG = 40, VALUE = 48, VALUE_SIZE = 56,
                VALUE_DELETER_CALLBACK = 64;
    }

    static final class KeyValuePutCallbackArgs {
        static final String C = "PJRT_KeyValuePutCallback_Args";
        static final long STRUCT_SIZE = 64, KEY = 16, KEY_SIZE = 24, VALUE = 32, VALUE_SIZE = 40, CALLBACK_ERROR = 48, USER_ARG = 56;
    }

    static final class ClientDestroyArgs {
        static final String C = "PJRT_Client_Destroy_Args";
        static final long STRUCT_SIZE = 24, CLIENT = 16;
    }

    static final class ClientPlatformNameArgs {
        static final String C = "PJRT_Client_PlatformName_Args";
        static final long STRUCT_SIZE = 40, CLIENT = 16, PLATFORM_NAME = 24, PLATFORM_NAME_SIZE = 32;
    }

    static final class ClientPlatformVersionArgs {
        static final String C = "PJRT_Client_PlatformVersion_Args";
        static final long STRUCT_SIZE = 40, CLIENT = 16, PLATFORM_VERSION = 24, PLATFORM_VERSION_SIZE = 32;
    }

    /** PJRT_Client_AddressableDevices_Args has the same layout (client, then the array and its length). */
    static final class ClientDevicesArgs {
        static final String C = "PJRT_Client_Devices_Args";
        static final long STRUCT_SIZE = 40, CLIENT = 16, DEVICES = 24, NUM_DEVICES = 32;
    }

    static final class DeviceGetDescriptionArgs {
        static final String C = "PJRT_Device_GetDescription_Args";
        static final long STRUCT_SIZE = 32, DEVICE = 16, DEVICE_DESCRIPTION = 24;
    }

    static final class DeviceDescriptionIdArgs {
        static final String C = "PJRT_DeviceDescription_Id_Args";
        static final long STRUCT_SIZE = 28, DEVICE_DESCRIPTION = 16, ID = 24;
    }

    static final class DeviceDescriptionProcessIndexArgs {
        static final String C = "PJRT_DeviceDescription_ProcessIndex_Args";
        static final long STRUCT_SIZE = 28, DEVICE_DESCRIPTION = 16, PROCESS_INDEX = 24;
    }

    static final class DeviceDescriptionKindArgs {
        static final String C = "PJRT_DeviceDescription_Kind_Args";
        static final long STRUCT_SIZE = 40, DEVICE_DESCRIPTION = 16, DEVICE_KIND = 24, DEVICE_KIND_SIZE = 32;
    }

    static final class DeviceLocalHardwareIdArgs {
        static final String C = "PJRT_Device_LocalHardwareId_Args";
        static final long STRUCT_SIZE = 28, DEVICE = 16, LOCAL_HARDWARE_ID = 24;
    }

    static final class DeviceMemoryStatsArgs {
        static final String C = "PJRT_Device_MemoryStats_Args";
        /** 201 at 0.114 (0.104: 185; peak_allocated_bytes was appended). */
        static final long STRUCT_SIZE = 201, DEVICE = 16, BYTES_IN_USE = 24, BYTES_LIMIT = 80, BYTES_LIMIT_IS_SET = 88;
    }

    static final class Program {
        static final String C = "PJRT_Program";
        static final long STRUCT_SIZE = 48, CODE = 16, CODE_SIZE = 24, FORMAT = 32, FORMAT_SIZE = 40;
    }

    static final class ClientCompileArgs {
        static final String C = "PJRT_Client_Compile_Args";
        static final long STRUCT_SIZE = 56, CLIENT = 16, PROGRAM = 24, COMPILE_OPTIONS = 32, COMPILE_OPTIONS_SIZE = 40, EXECUTABLE = 48;
    }

    static final class ClientBufferFromHostBufferArgs {
        static final String C = "PJRT_Client_BufferFromHostBuffer_Args";
        static final long STRUCT_SIZE = 120, CLIENT = 16, DATA = 24, TYPE = 32, DIMS = 40, NUM_DIMS = 48, BYTE_STRIDES = 56,
                NUM_BYTE_STRIDES = 64, HOST_BUFFER_SEMANTICS = 72, DEVICE = 80, MEMORY = 88, DEVICE_LAYOUT = 96,
                DONE_WITH_HOST_BUFFER = 104, BUFFER = 112;
        /** PJRT_HostBufferSemantics: the host memory must stay untouched until done_with_host_buffer is ready. */
        static final int IMMUTABLE_UNTIL_TRANSFER_COMPLETES = 1;
    }

    static final class BufferToHostBufferArgs {
        static final String C = "PJRT_Buffer_ToHostBuffer_Args";
        static final long STRUCT_SIZE = 56, SRC = 16, HOST_LAYOUT = 24, DST = 32, DST_SIZE = 40, EVENT = 48;
    }

    static final class BufferDestroyArgs {
        static final String C = "PJRT_Buffer_Destroy_Args";
        static final long STRUCT_SIZE = 24, BUFFER = 16;
    }

    static final class ExecuteOptions {
        static final String C = "PJRT_ExecuteOptions";
        /** 144 at 0.114 (0.104: 120; three callback fields were appended). */
        static final long STRUCT_SIZE = 144, LAUNCH_ID = 48, NON_DONATABLE_INPUT_INDICES = 56, NUM_NON_DONATABLE_INPUT_INDICES = 64;
    }

    static final class LoadedExecutableExecuteArgs {
        static final String C = "PJRT_LoadedExecutable_Execute_Args";
        static final long STRUCT_SIZE = 80, EXECUTABLE = 16, OPTIONS = 24, ARGUMENT_LISTS = 32, NUM_DEVICES = 40, NUM_ARGS = 48,
                OUTPUT_LISTS = 56, DEVICE_COMPLETE_EVENTS = 64, EXECUTE_DEVICE = 72;
    }

    static final class LoadedExecutableGetExecutableArgs {
        static final String C = "PJRT_LoadedExecutable_GetExecutable_Args";
        static final long STRUCT_SIZE = 32, LOADED_EXECUTABLE = 16, EXECUTABLE = 24;
    }

    static final class LoadedExecutableDestroyArgs {
        static final String C = "PJRT_LoadedExecutable_Destroy_Args";
        static final long STRUCT_SIZE = 24, EXECUTABLE = 16;
    }

    static final class LoadedExecutableAddressableDevicesArgs {
        static final String C = "PJRT_LoadedExecutable_AddressableDevices_Args";
        static final long STRUCT_SIZE = 40, EXECUTABLE = 16, ADDRESSABLE_DEVICES = 24, NUM_ADDRESSABLE_DEVICES = 32;
    }

    static final class ExecutableDestroyArgs {
        static final String C = "PJRT_Executable_Destroy_Args";
        static final long STRUCT_SIZE = 24, EXECUTABLE = 16;
    }

    static final class ExecutableNumOutputsArgs {
        static final String C = "PJRT_Executable_NumOutputs_Args";
        static final long STRUCT_SIZE = 32, EXECUTABLE = 16, NUM_OUTPUTS = 24;
    }
}
