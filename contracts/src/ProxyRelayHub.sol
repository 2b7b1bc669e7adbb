// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./WalletSignatures.sol";

/// The GSN-style relay hub behind Polymarket proxy wallets (CLOB signature type 1): the
/// owner signs a "rlx:" request naming this hub and the relay (the relayer's EOA that sends
/// the transaction); the hub checks it, uses up the owner's nonce and calls the target with
/// the owner's address appended, which is how the proxy factory learns who the owner is.
/// Unlike the real hub, a failed call reverts the relay transaction (and so keeps the nonce).
contract ProxyRelayHub is WalletSignatures {
    mapping(address => uint256) private nonces;

    function getNonce(address from) external view returns (uint256) {
        return nonces[from];
    }

    function relayCall(
        address from,
        address to,
        bytes memory encodedFunction,
        uint256 transactionFee,
        uint256 gasPrice,
        uint256 gasLimit,
        uint256 nonce,
        bytes memory signature,
        bytes memory approvalData
    ) external {
        approvalData; // part of the real hub's ABI; no relay approval policy here
        require(nonce == nonces[from], "ProxyRelayHub: wrong nonce");
        bytes32 hash = keccak256(
            abi.encodePacked(
                "rlx:", from, to, encodedFunction, transactionFee, gasPrice, gasLimit, nonce, address(this), msg.sender
            )
        );
        address signer = _recover(_ethSignedHash(hash), signature);
        require(signer != address(0) && signer == from, "ProxyRelayHub: not signed by from");
        nonces[from] = nonce + 1;
        (bool ok, bytes memory returndata) = to.call(abi.encodePacked(encodedFunction, from));
        if (!ok) _bubble(returndata, "ProxyRelayHub: call failed");
    }
}
