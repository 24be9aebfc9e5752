package monetj.train.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/** Renders metric curves (loss, validation loss, throughput) of a run to a PNG with plain Java2D, headless. */
public final class CurvePlot {
    private static final int W = 1000, PANEL_H = 320, PAD = 60;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd)};

    private CurvePlot() {}

    /** One panel: a title and the metric keys drawn against step. */
    public record Panel(String title, List<String> keys) {}

    public static void render(List<JsonNode> records, List<Panel> panels, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(W, PANEL_H * panels.size(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        for (int p = 0; p < panels.size(); p++) drawPanel(g, records, panels.get(p), p * PANEL_H);
        g.dispose();
        ImageIO.write(img, "png", png.toFile());
    }

    private static void drawPanel(Graphics2D g, List<JsonNode> records, Panel panel, int top) {
        List<double[][]> series = new ArrayList<>();
        double minX = Double.MAX_VALUE, maxX = -Double.MAX_VALUE, minY = Double.MAX_VALUE, maxY = -Double.MAX_VALUE;
        for (String key : panel.keys()) {
            List<double[]> pts = new ArrayList<>();
            for (JsonNode r : records) {
                if (r.has("step") && r.has(key) && r.get(key).isNumber() && Double.isFinite(r.get(key).asDouble())) {
                    pts.add(new double[] {r.get("step").asDouble(), r.get(key).asDouble()});
                }
            }
            for (double[] pt : pts) {
                minX = Math.min(minX, pt[0]);
                maxX = Math.max(maxX, pt[0]);
                minY = Math.min(minY, pt[1]);
                maxY = Math.max(maxY, pt[1]);
            }
            series.add(pts.toArray(new double[0][]));
        }
        int x0 = PAD, x1 = W - 20, y0 = top + 30, y1 = top + PANEL_H - 40;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(panel.title(), x0, top + 20);
        g.drawRect(x0, y0, x1 - x0, y1 - y0);
        if (minX == Double.MAX_VALUE) {
            g.drawString("no data", (x0 + x1) / 2 - 20, (y0 + y1) / 2);
            return;
        }
        if (maxX == minX) maxX = minX + 1;
        if (maxY == minY) maxY = minY + 1e-9 + Math.abs(minY) * 0.01;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int t = 0; t <= 4; t++) {
            double y = minY + (maxY - minY) * t / 4;
            int py = (int) (y1 - (y1 - y0) * t / 4.0);
            g.setColor(new Color(0xdddddd));
            g.drawLine(x0, py, x1, py);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.format("%.4g", y), 4, py + 4);
            double x = minX + (maxX - minX) * t / 4;
            int px = (int) (x0 + (x1 - x0) * t / 4.0);
            g.drawString(String.format("%.0f", x), px - 10, y1 + 15);
        }
        g.drawString("step", (x0 + x1) / 2, y1 + 30);
        g.setStroke(new BasicStroke(1.6f));
        for (int s = 0; s < series.size(); s++) {
            double[][] pts = series.get(s);
            g.setColor(COLORS[s % COLORS.length]);
            for (int i = 1; i < pts.length; i++) {
                g.drawLine(px(pts[i - 1][0], minX, maxX, x0, x1), py(pts[i - 1][1], minY, maxY, y0, y1),
                        px(pts[i][0], minX, maxX, x0, x1), py(pts[i][1], minY, maxY, y0, y1));
            }
            if (pts.length == 1) g.fillOval(px(pts[0][0], minX, maxX, x0, x1) - 3, py(pts[0][1], minY, maxY, y0, y1) - 3, 6, 6);
            g.drawString(panel.keys().get(s), x1 - 160, y0 + 18 + 16 * s);
        }
    }

    private static int px(double x, double min, double max, int x0, int x1) { return (int) Math.round(x0 + (x - min) / (max - min) * (x1 - x0)); }

    private static int py(double y, double min, double max, int y0, int y1) { return (int) Math.round(y1 - (y - min) / (max - min) * (y1 - y0)); }
}
