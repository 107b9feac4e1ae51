#!/usr/bin/env python3
"""A synthetic registry sheet (在册人员登记表) the way an office keeps it, for measuring imports.

    python3 tests/bench/registry.py ROWS OUT.xlsx|OUT.csv [--seed N]

Every person is invented: valid 18-digit ID numbers (GB 11643 check digit) under area code
430405, born 1960-2004; names drawn from common characters; the real towns and communities of
珠晖区 (from data/divisions). A title row and a 填报单位 line above the header, the office's own
header words, a 序号 column Jindu ignores; 70 % of rows carry a measure (决定日期, 报到日期), the
rest only 初次发现日期. .xlsx needs openpyxl (write-only mode); .csv is UTF-8 with a BOM.
"""
import csv
import lzma
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"


def id_number(seq, rng):
    born = f"{rng.randint(1960, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first17 = f"430405{born}{seq % 1000:03d}"
    return first17 + CHECK[sum(int(d) * w for d, w in zip(first17, W)) % 11]


def main():
    rows, out = int(sys.argv[1]), sys.argv[2]
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 2026
    rng = random.Random(seed)
    with lzma.open(os.path.join(ROOT, "data/divisions/divisions.csv.xz"), "rt", encoding="utf-8") as f:
        divisions = [line.strip().split(",", 1) for line in f if line.startswith("430405")]
    towns = {c: n for c, n in divisions if len(c) == 9}
    villages = [(towns[c[:9]], n) for c, n in divisions if len(c) == 12 and c[:9] in towns]
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力国海波斌宇浩凯鹏飞俊鑫"
    substances = ["冰毒", "海洛因", "K粉", "大麻", "摇头丸", "冰毒", "冰毒"]
    header = ["序号", "姓名", "性别", "公民身份号码", "联系电话", "现住址", "所属街道", "社区(村)", "管控措施",
              "决定日期", "报到日期", "初次发现日期", "滥用毒品种类", "备注"]
    seen = set()

    def records():
        for i in range(rows):
            while True:
                n = id_number(rng.randrange(1_000_000), rng)
                if n not in seen:
                    seen.add(n)
                    break
            town, village = rng.choice(villages)
            name = rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.randint(1, 2)))
            sex = "男" if int(n[16]) % 2 else "女"
            phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
            address = f"珠晖区{town}{village}{rng.randint(1, 99)}栋{rng.randint(1, 30)}号"
            found = f"20{rng.randint(10, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            if rng.random() < 0.7:
                kind = rng.choice(["社区戒毒", "社区康复", "社区戒毒"])
                y, m, d = 2026, rng.randint(1, 10), rng.randint(1, 20)
                decided, reported = f"{y}-{m:02d}-{d:02d}", f"{y}/{m}/{d + rng.randint(1, 8)}"
            else:
                kind = decided = reported = ""
            yield [str(i + 1), name, sex, n, phone, address, town, village, kind, decided, reported, found,
                   rng.choice(substances), ""]

    title = "珠晖区吸毒人员登记表（演示数据，全部为虚构人员）"
    if out.endswith(".xlsx"):
        from openpyxl import Workbook
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("登记表")
        ws.append([title])
        ws.append(["填报单位：珠晖区禁毒办"])
        ws.append(header)
        for r in records():
            ws.append(r)
        wb.save(out)
    else:
        with open(out, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow([title])
            w.writerow(["填报单位：珠晖区禁毒办"])
            w.writerow(header)
            w.writerows(records())


if __name__ == "__main__":
    main()
