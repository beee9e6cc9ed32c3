# bench/alloc.py: a Python workload for a jemalloc heap dump (run with PYTHONMALLOC=malloc).
import collections, ctypes, decimal, hashlib, json, re, sqlite3, xml.etree.ElementTree as ET, zlib
keep = {}
keep["dict"] = {"key%d" % i: [i, str(i) * 3, {"x": i}] for i in range(100000)}
keep["json"] = json.dumps({k: v for k, v in list(keep["dict"].items())[:30000]})
keep["re"] = re.compile(r'"key(\d+)7"').findall(keep["json"])
keep["counter"] = collections.Counter(s[-2:] for s in keep["re"])
keep["bytes"] = [bytearray(1000 + i % 5000) for i in range(2000)]
keep["zlib"] = [zlib.compress(keep["json"][i:i + 65536].encode()) for i in range(0, len(keep["json"]), 65536)]
keep["hash"] = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(20000)]
keep["decimal"] = [decimal.Decimal(i) / 7 for i in range(20000)]
db = sqlite3.connect(":memory:")
db.execute("create table t (a integer, b text)")
db.executemany("insert into t values (?, ?)", ((i, "v%d" % i) for i in range(50000)))
keep["sql"] = db.execute("select b from t where a % 3 = 0").fetchall()
root = ET.Element("root")
for i in range(20000):
    ET.SubElement(root, "item", id=str(i)).text = "text %d" % i
keep["xml"] = ET.tostring(root)
# Dump the profile now, while everything above is still in use.
libc = ctypes.CDLL(None)
rc = libc.mallctl(b"prof.dump", None, None, None, ctypes.c_size_t(0))
print("prof.dump", rc, len(keep))
