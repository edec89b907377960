"""models.command_queue.encode, used by software layers to build commands: its words are the
spec's layout (checked against hand-assembled words) and decode() inverts it."""
from models.command_queue import Command, decode, encode


def test_iotinval_vma_words():
    c = Command("IOTINVAL.VMA", av=1, pscv=1, gv=1, pscid=0x12345, gscid=0xBEEF, addr=0x7_6543_2000)
    # DW0: opcode 1 | AV<<10 | PSCID 0x12345<<12 | PSCV<<32 | GV<<33 | GSCID 0xBEEF<<44
    # DW1: ADDR[63:12]=0x765432 at command bit 74 = DW1 bit 10
    assert encode(c) == (0x0BEE_F003_1234_5401, 0x765432 << 10)
    assert decode(*encode(c), 1) == c


def test_iofence_and_iodir_words():
    f = Command("IOFENCE.C", av=1, wsi=1, pr=1, pw=1, data=0xCAFEF00D, addr=0x8_0000_1004)
    # DW0: opcode 2 | AV<<10 | WSI<<11 | PR<<12 | PW<<13 | DATA<<32 ; DW1: ADDR>>2
    assert encode(f) == (0xCAFE_F00D_0000_3C02, 0x8_0000_1004 >> 2)
    assert decode(*encode(f), 1) == f
    p = Command("IODIR.INVAL_PDT", dv=1, did=0xABCDEF, pid=0xFFFFF)
    # DW0: opcode 3 | func3 1<<7 | PID<<12 | DV<<33 | DID<<40
    assert encode(p) == (0xABCD_EF02_FFFF_F083, 0)
    assert decode(*encode(p), 1) == p
