// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./IERC1155Receiver.sol";
import "./WalletSignatures.sol";

/// A single-owner subset of Gnosis Safe 1.3 (CLOB signature type 2), deployed once and used
/// by every Safe through a SafeProxy, as on Polygon: the same setup and execTransaction ABI,
/// SafeTx EIP-712 hash and "GSxxx" revert codes, so a relayer that drives a real Safe drives
/// this one. Only plain CALLs without gas refunds: that is all Polymarket's relayer sends for a
/// single redeem, merge or approval.
///
/// Like the real Safe, it has no ERC-1155 receiver of its own: calls it does not know go to its
/// fallback handler (set at setup), and without one they return nothing, so a Safe set up
/// without a handler refuses ERC-1155 transfers (positions).
contract SafeWallet is WalletSignatures {
    event SafeSetup(address indexed initiator, address[] owners, uint256 threshold, address initializer, address fallbackHandler);
    event ExecutionSuccess(bytes32 txHash, uint256 payment);

    bytes32 private constant DOMAIN_SEPARATOR_TYPEHASH =
        keccak256("EIP712Domain(uint256 chainId,address verifyingContract)");
    bytes32 private constant SAFE_TX_TYPEHASH = keccak256(
        "SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)"
    );
    // Safe 1.3's FallbackManager slot, so tools that read a Safe's handler read this one.
    bytes32 private constant FALLBACK_HANDLER_SLOT = keccak256("fallback_manager.handler.address");

    address private singleton; // slot 0: the proxy keeps its singleton there
    address private owner;
    uint256 private threshold;
    uint256 public nonce;

    constructor() {
        threshold = 1; // the singleton itself can never be set up
    }

    function setup(
        address[] calldata owners,
        uint256 threshold_,
        address to,
        bytes calldata data,
        address fallbackHandler,
        address paymentToken,
        uint256 payment,
        address payable paymentReceiver
    ) external {
        require(threshold == 0, "GS200");
        require(owners.length == 1 && threshold_ == 1, "SafeWallet: one owner, threshold 1");
        require(to == address(0) && data.length == 0 && payment == 0, "SafeWallet: no setup call or payment");
        paymentToken;
        paymentReceiver;
        require(owners[0] != address(0), "GS203");
        owner = owners[0];
        threshold = 1;
        bytes32 slot = FALLBACK_HANDLER_SLOT;
        assembly {
            sstore(slot, fallbackHandler)
        }
        emit SafeSetup(msg.sender, owners, threshold_, to, fallbackHandler);
    }

    receive() external payable {}

    /// Unknown calls (an ERC-1155 transfer's onERC1155Received, say) go to the fallback handler
    /// with the caller appended, as Safe 1.3 forwards them; no handler: an empty answer.
    fallback() external {
        bytes32 slot = FALLBACK_HANDLER_SLOT;
        assembly {
            let handler := sload(slot)
            if iszero(handler) { return(0, 0) }
            calldatacopy(0, 0, calldatasize())
            mstore(calldatasize(), shl(96, caller()))
            let ok := call(gas(), handler, 0, 0, add(calldatasize(), 20), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    function getOwners() external view returns (address[] memory owners) {
        owners = new address[](1);
        owners[0] = owner;
    }

    function getThreshold() external view returns (uint256) {
        return threshold;
    }

    function isOwner(address account) external view returns (bool) {
        return account != address(0) && account == owner;
    }

    function domainSeparator() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_SEPARATOR_TYPEHASH, block.chainid, address(this)));
    }

    function getTransactionHash(
        address to,
        uint256 value,
        bytes memory data,
        uint8 operation,
        uint256 safeTxGas,
        uint256 baseGas,
        uint256 gasPrice,
        address gasToken,
        address refundReceiver,
        uint256 _nonce
    ) public view returns (bytes32) {
        // Two halves: eleven words on the stack at once is more than the legacy pipeline allows.
        bytes memory head = abi.encode(SAFE_TX_TYPEHASH, to, value, keccak256(data), operation, safeTxGas);
        bytes memory tail = abi.encode(baseGas, gasPrice, gasToken, refundReceiver, _nonce);
        bytes32 safeTxHash = keccak256(bytes.concat(head, tail));
        return keccak256(abi.encodePacked(bytes1(0x19), bytes1(0x01), domainSeparator(), safeTxHash));
    }

    function execTransaction(
        address to,
        uint256 value,
        bytes calldata data,
        uint8 operation,
        uint256 safeTxGas,
        uint256 baseGas,
        uint256 gasPrice,
        address gasToken,
        address payable refundReceiver,
        bytes memory signatures
    ) external payable returns (bool success) {
        require(operation == 0, "SafeWallet: only CALL");
        require(baseGas == 0 && gasPrice == 0, "SafeWallet: no gas refunds");
        bytes32 txHash = getTransactionHash(
            to, value, data, operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver, nonce
        );
        nonce++;
        _checkOwnerSigned(txHash, signatures);
        // A failed call reverts the whole transaction, nonce included (Safe 1.3 with
        // safeTxGas == 0 and gasPrice == 0 does the same), so a retry can reuse the signature.
        (success,) = to.call{value: value}(data);
        require(success, "GS013");
        emit ExecutionSuccess(txHash, 0);
    }

    function _checkOwnerSigned(bytes32 txHash, bytes memory signatures) private view {
        require(signatures.length >= 65, "GS020");
        (bytes32 r, bytes32 s, uint8 v) = _split(signatures);
        address signer;
        if (v > 30) {
            // eth_sign: the owner signed the prefixed hash and shifted v by 4 to say so.
            signer = ecrecover(_ethSignedHash(txHash), v - 4, r, s);
        } else {
            signer = ecrecover(txHash, v, r, s);
        }
        require(signer != address(0) && signer == owner, "GS026");
    }
}

/// The fallback handler Polymarket's Safe factory sets on every Safe (Safe 1.3's
/// CompatibilityFallbackHandler in production): it answers the ERC-1155 receiver calls.
contract SafeFallbackHandler is ERC1155Holder {}
