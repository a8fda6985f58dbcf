import logging

import azfunc as func


def main(documents: func.DocumentList) -> None:
    if documents:
        logging.info("Document id: %s", documents[0]["id"])
