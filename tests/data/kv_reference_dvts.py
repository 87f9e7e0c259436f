# kv_reference_dvts.py -- checks the hand-worked case of test_engine.c's
# test_kv_metric_reference_dvts against the reference code itself: runs
# rebase.py's TreeNode, Tree.get_kv_size and Tree.select_dvts (SqueezeAILab/ETS
# @ac937a7, extracted with ast so sglang/torch are not needed) on the toy tree.
# usage: git --git-dir=<ETS mirror> show ac937a7:rebase.py > rebase.py; python3 kv_reference_dvts.py
# prints: root 10 ... total 38 / root 2 ... total 22 (the test's numbers).
import ast, math, threading, types
src = open("rebase.py").read()
mod = ast.parse(src)
ns = {"math": math, "lock": threading.Lock(), "global_kv_size": 0}
for node in mod.body:
    if isinstance(node, ast.ClassDef) and node.name == "TreeNode":
        exec(compile(ast.Module([node], []), "rebase.py", "exec"), ns)
    if isinstance(node, ast.ClassDef) and node.name == "Tree":
        funcs = [f for f in node.body if isinstance(f, ast.FunctionDef) and f.name in ("get_kv_size", "select_dvts")]
        cls = ast.ClassDef("Tree", [], [], funcs, [])
        exec(compile(ast.fix_missing_locations(ast.Module([cls], [])), "rebase.py", "exec"), ns)
class St:
    def __init__(s, t): s.t = t
    def text(s): return s.t
TreeNode, Tree = ns["TreeNode"], ns["Tree"]
for root_tokens in (10, 2):
    ns["global_kv_size"] = 0
    root = TreeNode(0, St("q"), 1.0, num_step_tokens=root_tokens)
    n1 = TreeNode(1, St("q a"), 0.9, 5, root)
    n4 = TreeNode(4, St("q d"), 0.8, 8, root)
    t = Tree.__new__(Tree); t.fixedwidth = -1; t.paras = {"width": 9}; t.remaining_width_dvts = [3, 3, 3]
    k0 = t.get_kv_size([root])
    nodes, nums = t.select_dvts([n1, n4], [0.9, 0.8], 9 - 1, 1)
    print("root", root_tokens, "depth0", k0, "depth1 list", [n.id for n in nodes], nums, "kv", ns["global_kv_size"], "total", k0 + ns["global_kv_size"])
