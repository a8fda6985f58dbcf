# The developer guide's unit test, verbatim apart from the azfunc import line.
# ruff: noqa: I001, PT009
# tests/test_queuetrigger.py
import unittest

import azfunc as func
from __app__.QueueTrigger import my_function

class TestFunction(unittest.TestCase):
    def test_my_function(self):
        # Construct a mock Queue message.
        req = func.QueueMessage(
            body=b'test')

        # Call the function.
        resp = my_function(req)

        # Check the output.
        self.assertEqual(
            resp,
            'msg body: test',
        )
