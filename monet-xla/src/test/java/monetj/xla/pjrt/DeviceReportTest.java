package monetj.xla.pjrt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceReportTest {
    @Test
    void reportsPluginVersionPlatformAndDevices() {
        List<String> lines = DeviceReport.of(FakePlugin.library());
        assertEquals(List.of(
                "plugin      " + PjrtPlugin.load(FakePlugin.library()).path(),
                "PJRT C API  0.114 (PJRT_Api.struct_size 1144)",
                "extensions  Layouts, Shardings",
                "  xla_version = 2",
                "  stablehlo_current_version = 1.9.3",
                "platform    fake (fake 0.1)",
                "devices     2",
                "  id 0  Fake Accelerator  process 0  local 0  memory: 0.0 MiB in use of 1024.0 MiB",
                "  id 1  Fake Accelerator  process 0  local 1  memory: 0.0 MiB in use of 1024.0 MiB"), lines);
    }
}
