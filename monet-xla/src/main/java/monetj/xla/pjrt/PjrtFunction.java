package monetj.xla.pjrt;

/**
 * The entries of the {@code PJRT_Api} function table this binding calls, with their slot numbers (the
 * pointer of slot s sits at byte 40 + 8 s). Slots are append-only since PJRT 0.57.
 */
enum PjrtFunction {
    ERROR_DESTROY("PJRT_Error_Destroy", 0),
    ERROR_MESSAGE("PJRT_Error_Message", 1),
    ERROR_GET_CODE("PJRT_Error_GetCode", 2),
    PLUGIN_INITIALIZE("PJRT_Plugin_Initialize", 3),
    PLUGIN_ATTRIBUTES("PJRT_Plugin_Attributes", 4),
    EVENT_DESTROY("PJRT_Event_Destroy", 5),
    EVENT_AWAIT("PJRT_Event_Await", 8),
    CLIENT_CREATE("PJRT_Client_Create", 10),
    CLIENT_DESTROY("PJRT_Client_Destroy", 11),
    CLIENT_PLATFORM_NAME("PJRT_Client_PlatformName", 12),
    CLIENT_PLATFORM_VERSION("PJRT_Client_PlatformVersion", 14),
    CLIENT_DEVICES("PJRT_Client_Devices", 15),
    CLIENT_ADDRESSABLE_DEVICES("PJRT_Client_AddressableDevices", 16),
    CLIENT_COMPILE("PJRT_Client_Compile", 20),
    CLIENT_BUFFER_FROM_HOST_BUFFER("PJRT_Client_BufferFromHostBuffer", 22),
    DEVICE_DESCRIPTION_ID("PJRT_DeviceDescription_Id", 23),
    DEVICE_DESCRIPTION_PROCESS_INDEX("PJRT_DeviceDescription_ProcessIndex", 24),
    DEVICE_DESCRIPTION_KIND("PJRT_DeviceDescription_Kind", 26),
    DEVICE_GET_DESCRIPTION("PJRT_Device_GetDescription", 29),
    DEVICE_LOCAL_HARDWARE_ID("PJRT_Device_LocalHardwareId", 31),
    DEVICE_MEMORY_STATS("PJRT_Device_MemoryStats", 34, true),
    EXECUTABLE_DESTROY("PJRT_Executable_Destroy", 40),
    EXECUTABLE_NUM_OUTPUTS("PJRT_Executable_NumOutputs", 44),
    LOADED_EXECUTABLE_DESTROY("PJRT_LoadedExecutable_Destroy", 50),
    LOADED_EXECUTABLE_GET_EXECUTABLE("PJRT_LoadedExecutable_GetExecutable", 51),
    LOADED_EXECUTABLE_ADDRESSABLE_DEVICES("PJRT_LoadedExecutable_AddressableDevices", 52),
    LOADED_EXECUTABLE_EXECUTE("PJRT_LoadedExecutable_Execute", 55),
    BUFFER_DESTROY("PJRT_Buffer_Destroy", 58),
    BUFFER_TO_HOST_BUFFER("PJRT_Buffer_ToHostBuffer", 70);

    final String cName;
    final int slot;
    /** Optional functions may be missing (NULL or beyond the table); callers check {@link PjrtApi#has}. */
    final boolean optional;

    PjrtFunction(String cName, int slot, boolean optional) {
        this.cName = cName;
        this.slot = slot;
        this.optional = optional;
    }

    PjrtFunction(String cName, int slot) { this(cName, slot, false); }

    long offset() { return PjrtStructs.Api.FUNCTIONS + 8L * slot; }
}
