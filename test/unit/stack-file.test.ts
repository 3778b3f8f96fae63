/**
 * lib/spec/stack-file.ts: a stack file must mean the same to the Pulumi CLI (YAML 1.1 flavoured, merges keys,
 * reads 026 as octal) and to netlab's render (YAML 1.2), and no key may be silently ignored.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { foreignKeyProblems, parseStackFile } from "../../lib/spec/stack-file";

const FILE = "stacks/Pulumi.room27-bench4.yaml";
const lines = (text: string) => parseStackFile(text, FILE).problems.map((p) => `${p.field}: ${p.message}`);

describe("foreignKeyProblems", () => {
  it("lets netlab: and pulumi: keys through", () => {
    expect(foreignKeyProblems(["netlab:room", "netlab:anything", "pulumi:template"])).toEqual([]);
  });

  it("points a misspelled namespace at the netlab key, showing the value", () => {
    const [problem, ...rest] = foreignKeyProblems(["netlb:labUser"], { "netlb:labUser": "alice" });
    expect(rest).toEqual([]);
    expect(problem!.field).toBe("netlb:labUser");
    expect(problem!.message).toMatch(/^"alice" is in namespace "netlb", which netlab does not read \(did you mean netlab:labUser\?\); /);
    expect(problem!.message).toContain("; write bench keys as netlab:<key> (");
    expect(problem!.message).toContain("room, bench, labUser");
  });

  it("says a bare key has no namespace, and suggests the nearest known key when the name is misspelled too", () => {
    const [bare] = foreignKeyProblems(["bench"], { bench: 4 });
    expect(bare!.message).toMatch(/^4 has no namespace \(did you mean netlab:bench\?\)/);
    const [typo] = foreignKeyProblems(["netlb:labUsr"]);
    expect(typo!.message).toMatch(/^is in namespace "netlb", which netlab does not read \(did you mean labUser\?\); /);
    const [unknown] = foreignKeyProblems(["aws:region"], { "aws:region": "eu-west-1" });
    expect(unknown!.message).toMatch(/^"eu-west-1" is in namespace "aws", which netlab does not read; write bench keys/);
  });

  it("never echoes a credential under a foreign key", () => {
    const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----";
    const problems = foreignKeyProblems(["netlb:sshPrivateKey", "netlb:labUser", "x:apiToken"], {
      "netlb:sshPrivateKey": "hunter2",
      "netlb:labUser": key,
      "x:apiToken": "tok-123",
    });
    expect(problems.map((p) => p.field)).toEqual(["netlb:sshPrivateKey", "netlb:labUser", "x:apiToken"]);
    for (const p of problems) {
      expect(p.message.startsWith("(not shown) ")).toBe(true);
      for (const secret of ["hunter2", "b3BlbnNzaC1rZXktdjEAAAAA", "tok-123"]) expect(p.message).not.toContain(secret);
    }
  });
});

describe("parseStackFile: the file", () => {
  it("reads the valid fixture without a problem", () => {
    const text = readFileSync(path.join(__dirname, "..", "fixtures", "valid-room30-bench7-tagged.yaml"), "utf8");
    const { config, problems } = parseStackFile(text, "valid.yaml");
    expect(problems).toEqual([]);
    expect(config["netlab:room"]).toBe("30");
    expect(config["netlab:network"]).toEqual({ providerPortMode: "tagged" });
  });

  it("gives an empty config for an empty file or one without config", () => {
    expect(parseStackFile("", FILE)).toEqual({ config: {}, problems: [] });
    expect(parseStackFile("encryptionsalt: v1:abc\n", FILE)).toEqual({ config: {}, problems: [] });
  });

  it("reports broken YAML and duplicate keys once, naming the file", () => {
    const broken = lines("config:\n  netlab:room: [27\n");
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatch(/^config: stacks\/Pulumi\.room27-bench4\.yaml is not valid YAML: .+; fix the YAML syntax$/);
    const duplicate = lines("config:\n  netlab:room: 27\n  netlab:room: 28\n");
    expect(duplicate).toHaveLength(1);
    expect(duplicate[0]).toContain("is not valid YAML");
  });

  it("refuses a config that is not a block of keys", () => {
    expect(lines("config: [1, 2]\n")).toEqual(["config: [1,2] is not a block of keys; write netlab:<key>: <value> lines under config:"]);
    expect(parseStackFile("config: text\n", FILE).config).toEqual({});
  });
});

describe("parseStackFile: numbers the two readers disagree on", () => {
  it("flags a number with a leading zero, giving both readings and the field", () => {
    expect(lines("config:\n  netlab:bench: 026\n")).toEqual([
      "bench: 026 has a leading zero: the Pulumi CLI reads it as octal (22), netlab's render as 26; " +
        "write the number without the leading zero (or quote it if text is meant)",
    ]);
    const nested = lines("config:\n  netlab:network:\n    nodePrefixLength: 024\n");
    expect(nested[0]).toMatch(/^network\.nodePrefixLength: 024 .*octal \(20\), netlab's render as 24;/);
  });

  it("keeps a minus sign in both readings", () => {
    const [line] = lines("config:\n  netlab:bench: -026\n");
    expect(line).toMatch(/^bench: -026 has a leading zero: the Pulumi CLI reads it as octal \(-22\), netlab's render as -26;/);
  });

  it("says 'something else' for a leading-zero number that is not octal", () => {
    const [line] = lines("config:\n  netlab:room: 08\n");
    expect(line).toMatch(/^room: 08 has a leading zero: the Pulumi CLI reads it as octal \(something else\), netlab's render as 8;/);
  });

  it("flags _ separators and binary literals, and leaves quoted text and plain numbers alone", () => {
    expect(lines("config:\n  netlab:timeouts:\n    scale: 1_0\n")).toEqual([
      'timeouts.scale: 1_0 has "_" separators: the Pulumi CLI reads it as a number, netlab\'s render as text; write the digits without "_"',
    ]);
    expect(lines("config:\n  netlab:room: 0b11\n")).toEqual([
      "room: 0b11 is a binary literal: the Pulumi CLI reads it as a number, netlab's render as text; write it in decimal",
    ]);
    expect(lines('config:\n  netlab:bench: "026"\n  netlab:room: 27\n  netlab:ssh:\n    port: 0\n  netlab:timeouts:\n    scale: 0.5\n')).toEqual([]);
  });

  it("names a list item by its index", () => {
    expect(lines("config:\n  netlab:network:\n    extra: [1, 07]\n")[0]).toMatch(/^network\.extra\[1\]: 07 has a leading zero/);
  });

  it("reports a number behind an alias once, at its anchor", () => {
    expect(lines("config:\n  netlab:bench: &n 07\n  netlab:room: *n\n").map((l) => l.split(":")[0])).toEqual(["bench"]);
  });

  it("does not look at numbers outside config", () => {
    expect(lines("encryptionsalt: 0123\nconfig:\n  netlab:room: 27\n")).toEqual([]);
  });
});

describe("parseStackFile: merge keys and namespaces", () => {
  it("refuses a merge key, which the CLI merges and render keeps as a key", () => {
    const text = "defaults: &d\n  podSubnet: 10.233.64.0/18\nconfig:\n  netlab:network:\n    <<: *d\n    serviceSubnet: 10.233.0.0/18\n";
    expect(lines(text)).toEqual([
      'network.<<: YAML merge keys (<<) are read differently by the Pulumi CLI (merged) and netlab\'s render (a key named "<<"); write the keys out in full',
    ]);
  });

  it('does not take a quoted "<<" key for a merge', () => {
    expect(lines('config:\n  netlab:network:\n    "<<": x\n')).toEqual([]);
  });

  it("reports keys outside netlab's namespace with their values", () => {
    const { config, problems } = parseStackFile("config:\n  netlab:room: 27\n  netlb:bench: 4\n  labUser: alice\n", FILE);
    expect(config).toEqual({ "netlab:room": 27, "netlb:bench": 4, labUser: "alice" });
    expect(problems.map((p) => p.field)).toEqual(["netlb:bench", "labUser"]);
    expect(problems[0]!.message).toMatch(/^4 is in namespace "netlb"/);
    expect(problems[1]!.message).toMatch(/^"alice" has no namespace \(did you mean netlab:labUser\?\)/);
  });

  it("collects the file's problems together: numbers first, then namespaces", () => {
    const fields = parseStackFile("config:\n  netlab:room: 027\n  netlb:bench: 4\n", FILE).problems.map((p) => p.field);
    expect(fields).toEqual(["room", "netlb:bench"]);
  });
});
