"""consumer-app/cli.py and token_file.py: the command line and the token file,
without a server."""

import contextlib
import io
import os
import stat
import tempfile
import unittest

import cli
from errors import AppError
from token_file import read_token, write_token


def parse(*argv):
    return cli.build_parser().parse_args(list(argv))


class CommandLineTest(unittest.TestCase):
    def test_global_options_before_or_after_the_command(self):
        before = parse("--walletd=10.0.0.1:5", "--token_file=/t", "balance", "--meter=M1")
        after = parse("balance", "--meter", "M1", "--walletd", "10.0.0.1:5", "--token_file", "/t")
        for args in (before, after):
            self.assertEqual(args.walletd, "10.0.0.1:5")
            self.assertEqual(args.token_file, "/t")
            self.assertEqual(args.meter, "M1")
            self.assertEqual(args.command, "balance")

    def test_defaults_survive_a_command_that_does_not_repeat_them(self):
        args = parse("--gateway_sim=http://sim:1", "recharge", "--meter=M", "--amount_rupees=5")
        self.assertEqual(args.gateway_sim, "http://sim:1")
        self.assertEqual(args.walletd, "127.0.0.1:50051")
        self.assertEqual(args.timeout, 10.0)
        self.assertIsNone(args.ca_file)
        self.assertIsNone(args.request_id)

    def test_link_with_and_without_an_otp(self):
        self.assertIsNone(parse("link", "--consumer=C1").otp)
        self.assertEqual(parse("link", "--consumer=C1", "--otp=123456").otp, "123456")

    def test_a_missing_required_option_is_a_usage_error(self):
        with contextlib.redirect_stderr(io.StringIO()) as err, self.assertRaises(SystemExit) as exit:
            parse("sign-in", "--mobile=+919826000101")
        self.assertEqual(exit.exception.code, 2)
        self.assertIn("--otp", err.getvalue())


class TokenFileTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "token")

    def tearDown(self):
        self.dir.cleanup()

    def test_written_for_its_owner_only(self):
        write_token(self.path, "tok_abc")
        self.assertEqual(stat.S_IMODE(os.stat(self.path).st_mode), 0o600)
        self.assertEqual(read_token(self.path), "tok_abc")

    def test_an_existing_readable_file_is_narrowed_first(self):
        with open(self.path, "w") as file:
            file.write("old")
        os.chmod(self.path, 0o644)
        write_token(self.path, "tok_new")
        self.assertEqual(stat.S_IMODE(os.stat(self.path).st_mode), 0o600)
        self.assertEqual(read_token(self.path), "tok_new")

    def test_a_missing_or_empty_file_says_so(self):
        with self.assertRaisesRegex(AppError, "cannot read the token file"):
            read_token(self.path)
        open(self.path, "w").close()
        with self.assertRaisesRegex(AppError, "is empty: sign in again"):
            read_token(self.path)


if __name__ == "__main__":
    unittest.main()
