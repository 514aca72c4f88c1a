"""consumer-app/money.py: rupees from integer paise and back, exactly."""

import unittest

from money import format_delta, format_rupees, parse_rupees


class FormatRupeesTest(unittest.TestCase):
    def test_indian_grouping_as_walletctl_prints_it(self):
        self.assertEqual(format_rupees(0), "Rs 0.00")
        self.assertEqual(format_rupees(5), "Rs 0.05")
        self.assertEqual(format_rupees(99_999), "Rs 999.99")
        self.assertEqual(format_rupees(100_000), "Rs 1,000.00")
        self.assertEqual(format_rupees(10_000_000), "Rs 1,00,000.00")
        self.assertEqual(format_rupees(123_456_789), "Rs 12,34,567.89")

    def test_negative_balances(self):
        self.assertEqual(format_rupees(-500), "-Rs 5.00")
        self.assertEqual(format_rupees(-123_456_789), "-Rs 12,34,567.89")

    def test_the_largest_int64_is_exact(self):
        self.assertEqual(format_rupees(2**63 - 1), "Rs 92,23,37,20,36,85,47,758.07")
        self.assertEqual(format_rupees(-2**63), "-Rs 92,23,37,20,36,85,47,758.08")

    def test_deltas_carry_their_sign(self):
        self.assertEqual(format_delta(25_050), "+Rs 250.50")
        self.assertEqual(format_delta(-1_240), "-Rs 12.40")


class ParseRupeesTest(unittest.TestCase):
    def test_whole_and_decimal_rupees(self):
        self.assertEqual(parse_rupees("350"), 35_000)
        self.assertEqual(parse_rupees("350.5"), 35_050)
        self.assertEqual(parse_rupees("350.50"), 35_050)
        self.assertEqual(parse_rupees("0.07"), 7)
        # Where a float would go astray: 0.29 * 100 is 28.999999999999996.
        self.assertEqual(parse_rupees("0.29"), 29)
        self.assertEqual(parse_rupees("1152921504606846.97"), 115_292_150_460_684_697)

    def test_refuses_what_is_not_an_amount(self):
        for text in ["", "-5", "+5", "1.234", "1,000", "Rs 5", "5.", ".5", "1e3", "12345678901234567"]:
            with self.subTest(text=text), self.assertRaises(ValueError):
                parse_rupees(text)


if __name__ == "__main__":
    unittest.main()
