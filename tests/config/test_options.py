"""config/options.py: the one reader of option declarations (extractor and guards)."""

import ast

from investigator.config.options import declared_option


def _call(src: str) -> ast.Call:
    node = ast.parse(src).body[0]
    assert isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
    return node.value


def _value(expr: ast.expr | None) -> object:
    return ast.literal_eval(expr) if expr is not None else None


def test_argparse_destination_default_and_explicitness():
    opt = declared_option(_call('p.add_argument("--gae-lambda", type=float, default=0.95)'))
    assert opt is not None and (opt.dest, _value(opt.default), opt.explicit) == ("gae_lambda", 0.95, True)
    opt = declared_option(_call('p.add_argument("-g", "--use-gae", dest="gae", default=True)'))
    assert opt is not None and opt.dest == "gae"


def test_flag_actions_imply_a_default_that_is_not_written():
    opt = declared_option(_call('p.add_argument("--cuda", action="store_true")'))
    assert opt is not None and (_value(opt.default), opt.explicit) == (False, False)
    opt = declared_option(_call('p.add_argument("--no-norm", action="store_false")'))
    assert opt is not None and (_value(opt.default), opt.explicit) == (True, False)
    opt = declared_option(_call('p.add_argument("--steps", type=int)'))
    assert opt is not None and (opt.default, opt.explicit) == (None, False)


def test_typer_positional_default_and_click_names():
    opt = declared_option(_call('typer.Option(3, "--epochs")'), "epochs")
    assert opt is not None and (opt.dest, _value(opt.default), opt.explicit) == ("epochs", 3, True)
    opt = declared_option(_call('click.option("--learning-rate", "lr", default=3e-4)'))
    assert opt is not None and opt.dest == "lr"


def test_calls_that_declare_no_option():
    assert declared_option(_call('torch.optim.Adam(params, lr=3e-4)')) is None
    assert declared_option(_call('p.add_argument(*names, default=1)')) is None
