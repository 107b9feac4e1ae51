#!/usr/bin/env python3
"""Peak memory of `jindu serve` while it checks hostile and large imports (issue #20 item 1).

Builds (1) a zip bomb: an .xlsx whose one sheet is 580,000 identical rows of 15 cells, ≈ 348 MB
of sheet XML packed into ≈ 1 MB, and (2) a 30 MB UTF-8 CSV of the person template's columns,
100,000 rows whose town does not exist (each row a problem: the report is as large as a report
gets). Makes a demo database, starts `jindu serve` on it, signs in as `office`, uploads each file
for a check, follows the job page until it has ended, and reads the server's resident memory from
/proc: VmRSS when idle, and VmHWM (the peak) after each check, the peak reset in between by
writing 5 to /proc/PID/clear_refs.

    python3 tests/bench/import_memory.py --jindu target/release/jindu [--dir /tmp/jindu-importmem]

Prints one line per upload (the bomb once, the CSV five times): idle RSS, peak RSS, the peak over idle, seconds, and how the job ended.
Only the standard library; stops the server it started.
"""
import argparse
import http.cookiejar
import io
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
import zipfile

PASSWORD = "Demo-2026-jindu"


def bomb_xlsx(rows=580_000):
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in parts.items():
            z.writestr(name, text)
        row = "<row>" + '<c t="inlineStr"><is><t>示例</t></is></c>' * 15 + "</row>"
        block = (row * 1000).encode()
        unpacked = 0
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            head = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            f.write(head)
            for _ in range(rows // 1000):
                f.write(block)
                unpacked += len(block)
            f.write(b"</sheetData></worksheet>")
    return buf.getvalue(), unpacked


def big_csv(target=30 * 1024 * 1024):
    head = "姓名,身份证号,性别,联系电话,现住址,所属乡镇(街道),所属社区(村),管控措施,决定日期,报到日期,查获日期,查获单位,毒品种类,成瘾认定,备注\n"
    out = [head]
    size = len(head.encode())
    i = 0
    while size < target:
        line = (
            f"测试人员{i},43040519850301{i % 10000:04d},男,138{i:08d},衡阳市珠晖区某某路{i}号某某小区{i % 97}栋{i % 13}单元{i % 301}室,"
            f"不存在街道{i % 7},不存在社区,社区戒毒,2026-09-01,2026-09-08,2026-08-20,珠晖分局禁毒大队,冰毒,吸毒成瘾,"
            f"备注：第{i}行，用于测量导入检查的内存，内容无实际意义，仅为凑足常见台账一行的长度。\n"
        )
        out.append(line)
        size += len(line.encode())
        i += 1
    return "".join(out).encode(), i


def kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Client:
    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def open(self, req):
        try:
            r = self.opener.open(req, timeout=600)
        except urllib.error.HTTPError as e:
            r = e
        return r.status if hasattr(r, "status") else r.code, r.headers, r.read().decode("utf-8", "replace")

    def get(self, path):
        return self.open(urllib.request.Request(self.base + path))

    def csrf(self):
        _, _, html = self.get("/login")
        m = re.search(r'name="csrf" value="([^"]+)"', html)
        return m.group(1)

    def login(self, user):
        token = self.csrf()
        data = urllib.parse.urlencode({"username": user, "password": PASSWORD, "csrf": token}).encode()
        s, h, body = self.open(urllib.request.Request(self.base + "/login", data=data))
        assert s == 303, (s, body[:300])

    def upload(self, name, data):
        _, _, html = self.get("/import")
        token = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
        b = uuid.uuid4().hex
        body = (
            f'--{b}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{token}\r\n'
            f'--{b}\r\nContent-Disposition: form-data; name="mode"\r\n\r\ncheck\r\n'
            f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n"
        ).encode() + data + f"\r\n--{b}--\r\n".encode()
        req = urllib.request.Request(
            f"{self.base}/import", data=body, headers={"Content-Type": f"multipart/form-data; boundary={b}"}
        )
        return self.open(req)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--jindu", default="target/release/jindu")
    p.add_argument("--dir", default="/tmp/jindu-importmem")
    p.add_argument("--port", default="18931")
    p.add_argument("--csv-times", type=int, default=5, help="uploads of the CSV, one after the other (the issue's five)")
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    db = f"sqlite://{a.dir}/demo.db"
    if not os.path.exists(f"{a.dir}/demo.db"):
        subprocess.run([a.jindu, "demo", "--db", db, "--no-serve"], check=True, stdout=subprocess.DEVNULL)
    bomb, unpacked = bomb_xlsx()
    csv, rows = big_csv()
    print(f"bomb.xlsx {len(bomb) / 1e6:.2f} MB, sheet XML {unpacked / 1e6:.0f} MB; big.csv {len(csv) / 1e6:.1f} MB, {rows} rows")
    server = subprocess.Popen([a.jindu, "serve", "--db", db, "--listen", f"127.0.0.1:{a.port}"], stdout=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{a.port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/login", timeout=2)
                break
            except Exception:
                time.sleep(0.2)
        c = Client(base)
        c.login("office")
        c.get("/import")
        start = kb(server.pid, "VmRSS")
        print(f"server after sign-in: {start / 1024:.0f} MB")
        for name, data in [("bomb.xlsx", bomb)] + [("big.csv", csv)] * a.csv_times:
            time.sleep(1)
            with open(f"/proc/{server.pid}/clear_refs", "w") as f:
                f.write("5")
            idle = kb(server.pid, "VmRSS")
            t = time.time()
            s, h, body = c.upload(name, data)
            if s != 303:
                print(f"{name}: upload answered {s}: {body[:300]}")
                continue
            job = h["Location"]
            while True:
                s, _, html = c.get(job)
                if 'data-testid="import-running"' not in html:
                    break
                time.sleep(0.5)
            secs = time.time() - t
            peak = kb(server.pid, "VmHWM")
            ended = re.search(r'data-testid="(import-refused|import-problems-summary|import-clean)"', html)
            words = re.search(r'role="alert"[^>]*><p>([^<]+)', html)
            after = kb(server.pid, "VmRSS")
            print(
                f"{name}: idle {idle / 1024:.0f} MB, peak {peak / 1024:.0f} MB (+{(peak - idle) / 1024:.0f} MB), "
                f"after {after / 1024:.0f} MB, {secs:.1f} s, {ended.group(1) if ended else '?'}"
                + (f": {words.group(1)[:120]}" if words else "")
            )
        print(f"server at the end: {kb(server.pid, 'VmRSS') / 1024:.0f} MB")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
