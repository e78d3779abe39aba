package io.proxyless.mesh.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The BOM an application imports pins the third-party versions the modules were built and tested with: each
 * version property of {@code mesh-bom/pom.xml} equals the parent pom's property of the same name, and every
 * module of the build is managed.
 */
class BomTest {
    private static final Path ROOT = Path.of("..");

    @Test
    void theBomsThirdPartyVersionsAreTheBuildsAndItManagesGrpcProtobufAndOkHttp() throws Exception {
        Map<String, String> bom = properties(parse(ROOT.resolve("mesh-bom/pom.xml")));
        Map<String, String> build = properties(parse(ROOT.resolve("pom.xml")));

        assertThat(bom).containsKeys("grpc.version", "protobuf.version", "okhttp.version", "okhttp4.version");
        bom.forEach((name, version) -> assertThat(version).as("mesh-bom's %s is the parent pom's", name)
                .isEqualTo(build.get(name)));
        assertThat(managed(parse(ROOT.resolve("mesh-bom/pom.xml"))))
                .contains("io.grpc:grpc-bom", "com.google.protobuf:protobuf-java", "com.squareup.okhttp3:okhttp-jvm",
                        "com.squareup.okhttp3:okhttp");
    }

    @Test
    void theBomManagesEveryPublishedModule() throws Exception {
        Document parent = parse(ROOT.resolve("pom.xml"));
        var managed = managed(parse(ROOT.resolve("mesh-bom/pom.xml")));
        NodeList modules = parent.getElementsByTagName("module");
        for (int i = 0; i < modules.getLength(); i++) {
            String module = modules.item(i).getTextContent().trim();
            if (module.startsWith("mesh-") && !module.equals("mesh-bom") && !module.endsWith("-test")) {
                assertThat(managed).as("mesh-bom manages " + module).contains("io.proxyless:" + module);
            }
        }
    }

    private static Map<String, String> properties(Document pom) {
        Map<String, String> out = new HashMap<>();
        NodeList props = pom.getElementsByTagName("properties");
        if (props.getLength() == 0) {
            return out;
        }
        NodeList children = props.item(0).getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            Node n = children.item(i);
            if (n instanceof Element e) {
                out.put(e.getTagName(), e.getTextContent().trim());
            }
        }
        return out;
    }

    private static java.util.Set<String> managed(Document pom) {
        java.util.Set<String> out = new java.util.HashSet<>();
        NodeList deps = pom.getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            out.add(text(d, "groupId") + ":" + text(d, "artifactId"));
        }
        return out;
    }

    private static String text(Element parent, String tag) {
        NodeList n = parent.getElementsByTagName(tag);
        return n.getLength() == 0 ? null : n.item(0).getTextContent().trim();
    }

    private static Document parse(Path pom) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(pom.toFile());
    }
}
